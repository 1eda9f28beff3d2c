"""The `eioku` command line."""
