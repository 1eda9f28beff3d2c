"""Liveness and Prometheus metrics (outside /v1: they describe the service, not the data)."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from pipeline.api.dependencies import Context
from pipeline.api.models import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz(context: Context) -> Health:
    """200 when the database answers, 503 `database_unavailable` when it does not."""
    await context.read(lambda session: session.execute(text("SELECT 1")))
    return Health(status="ok", database=context.db.dialect)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
def metrics(request: Request) -> Response:
    """`eioku_runs{status}`, `eioku_queue_depth{queue}` (with a Redis broker) and
    `eioku_api_request_duration_seconds{method,route}`."""
    registry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
