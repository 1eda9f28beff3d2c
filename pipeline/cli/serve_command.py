"""`eioku serve`: the HTTP API (pipeline.api) under uvicorn."""

from typing import Annotated

import typer

from pipeline.cli.common import EXIT_FAILED, fail
from pipeline.db.migrate import SchemaOutOfDateError
from pipeline.settings import load_settings


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json, /healthz, /metrics)."""
    import uvicorn  # the web stack only for this command

    from pipeline.api import create_app

    try:
        app = create_app(load_settings())
    except SchemaOutOfDateError as exc:
        raise fail(str(exc), EXIT_FAILED) from None
    uvicorn.run(app, host=host, port=port)
