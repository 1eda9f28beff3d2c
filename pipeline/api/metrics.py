"""Prometheus metrics of one app: runs by status and queue depth per analyzer queue
(both read when scraped), and request latency by route template."""

import logging
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.api.context import ApiContext
from pipeline.db.models import RunStatus
from pipeline.db.repositories import RunRepository
from pipeline.taskqueue import queue_name

log = logging.getLogger(__name__)
BROKER_TIMEOUT_S = 1.0
# Labels come from this fixed set and the route templates, never from the raw request:
# made-up methods or paths cannot grow the metrics without bound.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RunStatusCollector(Collector):
    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def describe(self) -> Iterable[Metric]:
        return []  # collected at scrape time only

    def collect(self) -> Iterable[Metric]:
        try:
            with self.context.db.sessions() as session:
                counts = RunRepository(session).count_by_status()
        except SQLAlchemyError as exc:  # the other metrics are still worth serving
            log.warning("run counts unavailable: %s", exc.__class__.__name__)
            return
        gauge = GaugeMetricFamily("eioku_runs", "Runs by status.", labels=["status"])
        for status in RunStatus:
            gauge.add_metric([status.value], counts.get(status.value, 0))
        yield gauge


class QueueDepthCollector(Collector):
    """Tasks waiting in each analyzer's Redis queue; absent without a Redis broker or
    when the broker does not answer."""

    def __init__(self, context: ApiContext) -> None:
        self.context = context

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        url = self.context.settings.broker_url
        if not url or urlsplit(url).scheme not in ("redis", "rediss"):
            return
        import redis  # only needed with a broker

        queues = [queue_name(name) for name in self.context.catalog.names()]
        client = redis.Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_S, socket_connect_timeout=BROKER_TIMEOUT_S
        )
        try:
            depths = [(queue, int(client.llen(queue))) for queue in queues]
        except redis.RedisError as exc:
            log.warning("queue depth unavailable: %s", exc)
            return
        finally:
            client.close()
        gauge = GaugeMetricFamily(
            "eioku_queue_depth", "Tasks waiting per analyzer queue.", labels=["queue"]
        )
        for queue, depth in depths:
            gauge.add_metric([queue], depth)
        yield gauge


def build_registry(context: ApiContext) -> tuple[CollectorRegistry, Histogram]:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(RunStatusCollector(context))
    registry.register(QueueDepthCollector(context))
    context.counters.register(registry)
    latency = Histogram(
        "eioku_api_request_duration_seconds",
        "HTTP API request latency by route template.",
        ["method", "route"],
        registry=registry,
    )
    return registry, latency


class LatencyMiddleware:
    """Times every HTTP request, labelled by the route template that served it (so ids
    in paths do not explode the label set)."""

    def __init__(self, app: ASGIApp, latency: Histogram) -> None:
        self.app = app
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in HTTP_METHODS else "other"
            self.latency.labels(method, route).observe(time.perf_counter() - began)
