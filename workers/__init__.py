"""Analyzers (one per model) and, later, the Celery app that runs them."""
