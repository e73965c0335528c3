"""The message bus: one Celery app built from one setting, ``bus.url``.

- ``redis://127.0.0.1:6379/0`` (the distributed setup): Redis is broker and result store.
- unset (the embedded default): kombu's SQLAlchemy transport on a SQLite file beside the
  config (``bus.sqlite``), results in ``bus-results.sqlite``; no server to run, and
  ``ppc serve`` starts a worker on it.
- ``sqla+<SQLAlchemy URL>`` or ``filesystem://`` work too; ``bus.result_url`` overrides
  where results go.

Tasks are sent by name (``ppc.rebuild_cache``...), so a service that only queues jobs
does not import the worker's code. Every task acknowledges late (a worker that dies
mid-job leaves the message to be delivered again) and each is idempotent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from celery import Celery

from ..errors import ServiceUnavailable, SettingsError
from ..settings import Settings

# Task names: the contract between whoever queues and the worker (ppc_worker.tasks).
FETCH_AND_STORE = "ppc.fetch_and_store"
COMPUTE_MISSING_HASHES = "ppc.compute_missing_hashes"
EXTRACT_MISSING_METADATA = "ppc.extract_missing_metadata"
REBUILD_CACHE = "ppc.rebuild_cache"
MIGRATE_FILE = "ppc.migrate_file"

_SCHEMES = ("redis://", "rediss://", "sqla+", "filesystem://", "memory://", "amqp://")


@dataclass(frozen=True)
class BusSettings:
    url: str
    result_url: str
    embedded: bool  # needs no server: `ppc serve` runs a worker beside the index
    run_embedded_worker: bool
    visibility_timeout: int
    data_dir: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "BusSettings":
        raw = settings.raw
        data_dir = raw.path("bus.data_dir", raw.here) or raw.here
        url = raw.str("bus.url")
        if url is None:
            url = f"sqla+sqlite:///{os.path.join(data_dir, 'bus.sqlite')}"
        if not url.startswith(_SCHEMES):
            raise SettingsError("bus.url", f"expected redis://, sqla+..., filesystem:// or amqp://; got {url!r}")
        result_url = raw.str("bus.result_url")
        if result_url is None:
            if url.startswith(("redis://", "rediss://")):
                result_url = url
            elif url.startswith("sqla+"):
                result_url = f"db+sqlite:///{os.path.join(data_dir, 'bus-results.sqlite')}"
            else:
                result_url = f"file://{os.path.join(data_dir, 'bus-results')}"
        embedded = url.startswith(("sqla+", "filesystem://"))
        return cls(
            url=url, result_url=result_url, embedded=embedded,
            run_embedded_worker=raw.bool("bus.embedded_worker", embedded),
            visibility_timeout=raw.int("bus.visibility_timeout", 3600, minimum=10) or 3600,
            data_dir=data_dir,
        )


def create_celery(settings: Settings, name: str = "ppc") -> Celery:
    bus = BusSettings.from_settings(settings)
    if bus.result_url.startswith("file://"):
        os.makedirs(bus.result_url[len("file://"):], exist_ok=True)
    app = Celery(name, broker=bus.url, backend=bus.result_url, set_as_current=False)
    transport_options: dict = {}
    if bus.url.startswith(("redis://", "rediss://")):
        transport_options["visibility_timeout"] = bus.visibility_timeout
    # (kombu's SQLAlchemy transport hands its options to create_engine: none for it.)
    if bus.url.startswith("filesystem://"):
        folder = os.path.join(bus.data_dir, "bus-queue")
        os.makedirs(folder, exist_ok=True)
        transport_options.update(data_folder_in=folder, data_folder_out=folder)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_extended=True,
        result_expires=7 * 24 * 3600,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.ppc_bus = bus
    return app


def prepare_bus(app: Celery, attempts: int = 5) -> None:
    """Open the broker and the result store once, creating their tables: on the embedded
    SQLite bus, processes that first touch a fresh file at the same moment race to
    create the tables and the loser fails. Retried, as the loser then finds them made."""
    for attempt in range(attempts):
        try:
            with app.connection_for_write() as connection:
                connection.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=False)
            session_factory = getattr(app.backend, "ResultSession", None)
            if session_factory is not None:  # celery's SQL result backend
                session_factory().close()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def queue_job(app: Celery, task: str, **kwargs) -> str:
    """Send ``task`` to the workers; its job id. A bus that cannot be reached is a 503."""
    try:
        job = app.send_task(task, kwargs=kwargs, retry=True,
                            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})
    except Exception:  # kombu and the transports raise many kinds; all mean "not reachable"
        raise ServiceUnavailable("the job bus cannot be reached") from None
    return job.id


def job_status(app: Celery, job_id: str) -> dict:
    """What a job is doing: ``state`` (PENDING, STARTED, PROGRESS, SUCCESS, FAILURE,
    RETRY), ``progress`` ({done, total}) while it runs, ``result`` or ``error`` at the end."""
    result = app.AsyncResult(job_id)
    state = result.state
    status: dict = {"id": job_id, "state": state}
    info = result.info
    if state == "PROGRESS" and isinstance(info, dict):
        status["progress"] = info
    elif state == "SUCCESS":
        status["result"] = result.result
    elif state in ("FAILURE", "RETRY"):
        status["error"] = f"{type(info).__name__}: {info}" if isinstance(info, BaseException) else str(info)
    return status


__all__ = [
    "BusSettings", "COMPUTE_MISSING_HASHES", "EXTRACT_MISSING_METADATA", "FETCH_AND_STORE",
    "MIGRATE_FILE", "REBUILD_CACHE", "create_celery", "job_status", "prepare_bus",
]
