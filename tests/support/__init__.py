"""Helpers of the test suite only: database factories, real services (Redis, Celery
workers, `eioku serve`), the CLI runner, media matrices and hypothesis strategies."""
