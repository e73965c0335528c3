"""The worker service: Celery tasks for fallback caching, hashing, metadata extraction,
cache rebuilds and storage migration (see ``ppc_worker.tasks``)."""

from .app import create_worker_app, run_worker

__all__ = ["create_worker_app", "run_worker"]
