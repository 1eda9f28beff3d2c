"""The coordinator: registers videos, plans runs against the cache, executes runs."""
