"""The Celery app of the workers: `celery -A workers.app worker -Q eioku.analyze.scenes`.

An entry point: the settings are read here, once, and passed down. Configured through the
conventions in pipeline.taskqueue; one task per analyzer is registered in workers.tasks.
"""

from celery import Celery

from pipeline.settings import load_settings
from pipeline.taskqueue import celery_config
from workers.tasks import (
    prepare_pool_processes,
    register_analysis_tasks,
    start_reconciler_on_ready,
)

settings = load_settings()
app = Celery("eioku")
app.conf.update(celery_config(settings))
prepare_pool_processes(settings)
register_analysis_tasks(app, settings)
start_reconciler_on_ready(settings)
