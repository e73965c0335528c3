"""Real workers for end-to-end job tests: ``ppc worker CONFIG`` as a subprocess on the
running Redis (127.0.0.1:6379, a database of its own per pytest worker) or on the embedded
SQLite bus. A missing Redis fails the tests: nothing here skips."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from ppc_shared.bus import create_celery
from ppc_shared.settings import Settings

BIN = Path(sys.executable).parent
PPC = BIN / "ppc"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_db() -> int:
    """A database number of its own for each pytest-xdist worker (gw0 → 11, gw1 → 12...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return 11 + int(worker[2:]) if worker.startswith("gw") else 10


@pytest.fixture
def redis_url() -> str:
    db = redis_db()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not running on {REDIS_HOST}:{REDIS_PORT} (scripts/test starts it): {exc}")
    client.flushdb()  # this database is ours alone: no jobs left from an earlier test
    client.close()
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"


def write_config(root: Path, bus_url: str | None = None, **extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = ["[app:main]", "pypi.storage = file", "storage.dir = %(here)s/packages", "pypi.db = sql",
             "db.url = sqlite:///%(here)s/cache.sqlite", "pypi.auth = config", "pypi.fallback = none"]
    if bus_url:
        lines.append(f"bus.url = {bus_url}")
    lines += [f"{key.replace('__', '.')} = {value}" for key, value in extra.items()]
    config = root / "config.ini"
    config.write_text("\n".join(lines) + "\n")
    return config


class Worker:
    def __init__(self, config: Path, log: Path, concurrency: int = 2):
        self.config = config
        self.log_path = log
        with open(log, "ab") as handle:
            self.process = subprocess.Popen(
                [str(PPC), "worker", str(config), "--concurrency", str(concurrency)],
                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker():
    started: list[Worker] = []

    def start(config: Path, concurrency: int = 2) -> Worker:
        worker = Worker(config, config.parent / f"worker-{len(started)}.log", concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def run_job(config: Path, task: str, *args, timeout: float = 60, **kwargs):
    """Queue ``task`` on CONFIG's bus and wait for its result (raises on a failed job)."""
    app = create_celery(Settings.from_file(config))
    try:
        return app.send_task(task, args=list(args), kwargs=kwargs).get(timeout=timeout)
    finally:
        app.close()
