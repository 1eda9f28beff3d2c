"""The Celery app of the workers: `celery -A workers.app worker -Q eioku.analyze.scenes`.

Configured from settings (EIOKU_BROKER_URL, EIOKU_DATABASE_URL, ...) through the
conventions in pipeline.taskqueue; one task per analyzer is registered in workers.tasks.
"""

from celery import Celery

from pipeline.settings import load_settings
from pipeline.taskqueue import celery_config
from workers.tasks import register_analysis_tasks, start_reconciler_on_ready

settings = load_settings()
app = Celery("eioku")
app.conf.update(celery_config(settings))
register_analysis_tasks(app, settings)
start_reconciler_on_ready(settings)
