"""The FastAPI application: routers under /v1, one error shape, metrics middleware."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.api.access import AccessMiddleware
from pipeline.api.context import ApiContext
from pipeline.api.errors import ERROR_RESPONSES, install_error_handlers
from pipeline.api.metrics import LatencyMiddleware, build_registry
from pipeline.api.routers import (
    analyzers,
    artifacts,
    cache,
    frame_selection,
    frames,
    media,
    navigation,
    offsets,
    ops,
    runs,
    videos,
    web,
)
from pipeline.db.availability import database_location, is_unavailable
from pipeline.db.engine import Database
from pipeline.settings import Settings

log = logging.getLogger(__name__)

API_ROUTERS = (
    analyzers.router,
    videos.router,
    artifacts.router,
    navigation.router,
    runs.router,
    frames.router,
    media.router,
    offsets.router,
    frame_selection.router,
    cache.router,
)


def create_app(settings: Settings) -> FastAPI:
    """An app serving the database of ``settings``; the embedded SQLite default migrates
    itself, a server database must be current (SchemaOutOfDateError otherwise). A database
    that does not answer yet is no reason not to start: requests get 503 until it does."""
    context = ApiContext(
        settings,
        Database.from_url(settings.database_url),
        AnalyzerCatalog(settings),
    )
    try:
        context.check_schema()
    except SQLAlchemyError as exc:
        if not is_unavailable(exc):
            raise
        log.warning("database unavailable: %s", database_location(settings.database_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        context.close()

    app = FastAPI(
        title="Eioku",
        summary="Navigate videos by their artifacts: scenes, transcript, objects, faces, text.",
        version="1",
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.eioku = context
    registry, latency = build_registry(context)
    app.state.metrics_registry = registry
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    app.include_router(ops.router)
    app.include_router(web.router)
    app.mount(web.ASSETS_PREFIX, web.assets, name="web-assets")
    app.state.api_routes = [
        route for router in (*API_ROUTERS, ops.router) for route in router.routes
    ]
    app.add_middleware(AccessMiddleware, settings=settings)
    app.add_middleware(LatencyMiddleware, latency=latency)
    return app
