"""The producer side of the task queue: send a queued run to its analyzer's queue, revoke
a cancelled one. Tasks are sent by name, so the producer needs no analyzer code."""

import uuid

from pipeline.db.engine import Database
from pipeline.db.models import Run, Video
from pipeline.db.repositories import RunRepository
from pipeline.settings import Settings
from pipeline.taskqueue import celery_config, task_name

# Keep trying to reach the broker for about two minutes before giving up on a send.
SEND_RETRY_POLICY = {
    "max_retries": 12,
    "interval_start": 0.5,
    "interval_step": 2.0,
    "interval_max": 15.0,
}


class TaskSender:
    def __init__(self, settings: Settings, db: Database) -> None:
        from celery import Celery  # only commands that talk to workers pay for Celery

        self.db = db
        self.app = Celery("eioku-producer", set_as_current=False)
        self.app.conf.update(celery_config(settings))

    def send(self, run: Run) -> str:
        """Give the run a new task id (recorded first, so the worker can recognise its own
        task coming back) and send the task; raises when the broker stays unreachable."""
        task_id = uuid.uuid4().hex
        with self.db.transaction() as session:
            RunRepository(session).require(run.run_id).task_id = task_id
            video_path = session.get_one(Video, run.video_id).path
        name = task_name(run.analyzer)
        self.app.send_task(
            name,
            args=[run.run_id],
            kwargs={"video_id": run.video_id, "path": video_path, "profile": run.profile},
            task_id=task_id,
            shadow=f"{name}[{run.video_id}]",
            retry=True,
            retry_policy=SEND_RETRY_POLICY,
        )
        return task_id

    def revoke(self, task_id: str) -> None:
        """Drop a task still waiting in its queue (a running one stops by itself once its
        run is cancelled, at its next progress checkpoint or heartbeat)."""
        self.app.control.revoke(task_id)

    def close(self) -> None:
        self.app.close()
