"""Which analyzer queues no worker consumes: their regeneration is paused (the tasks wait
in the queue and run when a worker connects)."""

import logging
import time
from collections.abc import Iterable

from celery import Celery

from pipeline.settings import Settings
from pipeline.taskqueue import celery_config, queue_name

log = logging.getLogger(__name__)
INSPECT_TIMEOUT_S = 1.0
ANSWER_TTL_S = 5.0
_asked: dict[str, tuple[float, frozenset[str] | None]] = {}


def queues_without_workers(settings: Settings, analyzers: Iterable[str]) -> list[str]:
    """The queues of ``analyzers`` that no live worker consumes; none without a broker
    (embedded execution is never paused) or when the broker does not answer. The workers'
    answer is reused for a few seconds (asking takes a second)."""
    if not settings.broker_url:
        return []
    asked = _asked.get(settings.broker_url)
    if asked is None or time.monotonic() - asked[0] > ANSWER_TTL_S:
        asked = (time.monotonic(), _consumed_queues(settings))
        _asked[settings.broker_url] = asked
    consumed = asked[1]
    if consumed is None:
        return []
    return sorted({queue_name(name) for name in analyzers} - consumed)


def _consumed_queues(settings: Settings) -> frozenset[str] | None:
    """Every queue some live worker consumes; None when the broker does not answer."""
    app = Celery("eioku-inspect", set_as_current=False)
    app.conf.update(celery_config(settings))
    try:
        replies = app.control.inspect(timeout=INSPECT_TIMEOUT_S).active_queues() or {}
    except Exception as exc:  # kombu raises several types for an unreachable broker
        log.warning("cannot ask the workers which queues they consume: %s", exc)
        return None
    finally:
        app.close()
    return frozenset(queue["name"] for queues in replies.values() for queue in queues or ())


def paused_message(queue: str) -> str:
    return f"Regeneration paused: no worker for {queue}"
