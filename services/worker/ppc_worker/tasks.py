"""The worker's tasks: each a one-liner over a plain function of ``ppc_shared``.

Tasks get their backends from the worker's config (`WorkerContext`), built once per
worker process on first use (after a prefork pool has forked). Transient failures (the
upstream or a backend unreachable) are retried with exponential backoff; every task is
idempotent, so a redelivered message (acks_late) or two workers on one job are harmless.
"""

from __future__ import annotations

import threading

from celery import Celery, Task
from sqlalchemy.exc import OperationalError

from ppc_shared import bus, maintenance, migration
from ppc_shared.settings import Settings
from ppc_shared.upstream import UpstreamFetcher, UpstreamTimeout, UpstreamUnavailable, fetch_and_store_file
from ppc_shared.wiring import Backends, load_backends

TRANSIENT = (UpstreamUnavailable, UpstreamTimeout, ConnectionError, TimeoutError, OperationalError)
RETRY_OPTIONS = dict(autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=300, retry_jitter=True,
                     max_retries=8, acks_late=True, reject_on_worker_lost=True)


class WorkerContext:
    """What tasks work on: this worker's backends, and other configs' (migration)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._backends: dict[str, Backends] = {}
        self._fetcher: UpstreamFetcher | None = None

    def backends(self, config_path: str | None = None) -> Backends:
        key = config_path or ""
        with self._lock:
            found = self._backends.get(key)
            if found is None:
                settings = self.settings if config_path is None else Settings.from_file(config_path)
                found = self._backends[key] = load_backends(settings)
            return found

    def fetcher(self) -> UpstreamFetcher:
        with self._lock:
            if self._fetcher is None:
                self._fetcher = UpstreamFetcher.from_settings(self.settings)
            return self._fetcher

    def close(self) -> None:
        for backends in self._backends.values():
            backends.close()


def _progress(task: Task):
    def report(done: int, total: int) -> None:
        if task.request.id and (done == total or done % 50 == 0):
            task.update_state(state="PROGRESS", meta={"done": done, "total": total})
    return report


def register_tasks(app: Celery, context: WorkerContext) -> None:
    @app.task(name=bus.FETCH_AND_STORE, bind=True, **RETRY_OPTIONS)
    def fetch_and_store(self, name: str, filename: str) -> str:
        return fetch_and_store_file(context.backends().index, context.fetcher(), name, filename).filename

    @app.task(name=bus.COMPUTE_MISSING_HASHES, bind=True, **RETRY_OPTIONS)
    def compute_missing_hashes(self) -> dict:
        return maintenance.compute_missing_hashes(context.backends().index, _progress(self)).as_dict()

    @app.task(name=bus.EXTRACT_MISSING_METADATA, bind=True, **RETRY_OPTIONS)
    def extract_missing_metadata(self) -> dict:
        return maintenance.extract_missing_metadata(context.backends().index, _progress(self)).as_dict()

    @app.task(name=bus.REBUILD_CACHE, bind=True, **RETRY_OPTIONS)
    def rebuild_cache(self, graceful: bool | None = None) -> dict:
        result = context.backends().index.rebuild(graceful=graceful, progress=_progress(self))
        return {"files": result.files, "added": result.added, "removed": result.removed,
                "seconds": round(result.seconds, 3)}

    @app.task(name=bus.MIGRATE_FILE, bind=True, **RETRY_OPTIONS)
    def migrate_file(self, source_config: str, target_config: str, record: dict) -> str:
        source, target = context.backends(source_config).index, context.backends(target_config).index
        return migration.migrate_file(source, target, migration.package_from_dict(record))
