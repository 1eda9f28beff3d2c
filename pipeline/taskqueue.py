"""The task-queue conventions shared by the producer (pipeline) and the workers: one task
and one queue per analyzer, both named ``eioku.analyze.<analyzer>``, and the Celery
settings that long ML tasks need (docs/ARCHITECTURE.md, "Runs")."""

from typing import Any

from pipeline.settings import Settings

TASK_PREFIX = "eioku.analyze."


def task_name(analyzer: str) -> str:
    return f"{TASK_PREFIX}{analyzer}"


def queue_name(analyzer: str) -> str:
    return task_name(analyzer)


def route_by_task_name(name: str, *args: Any, **kwargs: Any) -> dict[str, str] | None:
    """Celery router: an analysis task goes to the queue of the same name."""
    return {"queue": name} if name.startswith(TASK_PREFIX) else None


def celery_config(settings: Settings) -> dict[str, Any]:
    if not settings.broker_url:
        raise ValueError("EIOKU_BROKER_URL is not set: no broker to send tasks to")
    return {
        "broker_url": settings.broker_url,
        "task_routes": (route_by_task_name,),
        "task_default_queue": "eioku.default",
        # long ML tasks: take one at a time, acknowledge only when done, requeue when
        # the worker process dies, and do not redeliver while a task may still run
        "worker_prefetch_multiplier": 1,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "broker_transport_options": {"visibility_timeout": settings.visibility_timeout_s},
        # results live in the database
        "task_ignore_result": True,
        "result_backend": None,
        # Flower
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_track_started": True,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }
