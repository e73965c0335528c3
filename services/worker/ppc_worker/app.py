"""The worker: a Celery app over the bus of one config, with the tasks registered."""

from __future__ import annotations

from celery import Celery

from ppc_shared.bus import create_celery, prepare_bus
from ppc_shared.settings import Settings

from .tasks import WorkerContext, register_tasks


def create_worker_app(settings: Settings) -> Celery:
    app = create_celery(settings, name="ppc-worker")
    context = WorkerContext(settings)
    register_tasks(app, context)
    app.ppc_context = context
    return app


def run_worker(settings: Settings, *, concurrency: int = 2, pool: str = "threads",
               loglevel: str = "INFO", hostname: str | None = None) -> None:
    """Block running a worker (``ppc worker CONFIG``)."""
    app = create_worker_app(settings)
    prepare_bus(app)
    argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", f"--concurrency={concurrency}",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)
