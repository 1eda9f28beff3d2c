"""`eioku serve`: the HTTP API (pipeline.api) under uvicorn."""

import ipaddress
from typing import Annotated

import typer

from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_USAGE, fail


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", help="Listen on a non-loopback address without EIOKU_API_TOKEN."
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json, /healthz, /metrics)."""
    settings = current_settings()
    if not settings.requires_token and not is_loopback(host) and not insecure:
        raise fail(
            f"--host {host} is reachable from other machines: set EIOKU_API_TOKEN "
            "(or pass --insecure to serve without authentication)",
            EXIT_USAGE,
        )
    import uvicorn  # the web stack only for this command

    from pipeline.api import create_app

    uvicorn.run(create_app(settings), host=host, port=port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything
