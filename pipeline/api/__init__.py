"""The HTTP API (FastAPI): `create_app(settings)`; `eioku serve` runs it with uvicorn."""

from pipeline.api.app import create_app

__all__ = ["create_app"]
