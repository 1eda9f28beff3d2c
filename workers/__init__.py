"""The Celery app and its tasks (``app``, ``tasks``) and the analyzers they run, one per
model (``analyzers``)."""
