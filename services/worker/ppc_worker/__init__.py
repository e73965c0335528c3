"""worker: Celery tasks over plain functions of the shared library (built out in its own issue)."""
