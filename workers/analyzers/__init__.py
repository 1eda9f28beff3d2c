"""One module per analyzer; each is found through the ``eioku.analyzers`` entry points."""
