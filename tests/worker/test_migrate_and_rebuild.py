"""``ppc-migrate`` killed midway (worker and command, or the in-process copy) and re-run:
complete and byte-identical. A graceful rebuild on a worker while clients read: no 404."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import requests

from ppc_shared import bus
from ppc_shared.changes import ChangeFeed
from ppc_shared.settings import Settings
from ppc_shared.wiring import load_backends
from tests import dists
from tests.shared.test_maintenance import put
from tests.upstream_index import ServedApp

from .conftest import BIN, run_job, write_config

FILES = 250


def stock_source(config: Path, count: int = FILES) -> None:
    backends = load_backends(Settings.from_file(config), changes=ChangeFeed())
    try:
        for i in range(count):
            put(backends, f"mig{i % 25}-1.{i}.tar.gz", b"\x1f\x8b" + os.urandom(40_000))
        put(backends, dists.wheel_filename("mig-wheel", "1.0"), dists.wheel_bytes("mig-wheel", "1.0"))
    finally:
        backends.close()


def data_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")
               and not p.name.endswith((".meta", ".metadata")))


def visible_tree(root: Path) -> dict[str, bytes]:
    """Every stored file, sidecar and PEP 658 file (temp names are never published)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def migrate_command(old: Path, new: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "ppc-migrate"), str(old), str(new), *extra], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def kill_when_copying(process: subprocess.Popen, target: Path, at_least: int = 10) -> int:
    deadline = time.monotonic() + 60
    while data_files(target) < at_least and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    return data_files(target)


def test_migration_jobs_killed_midway_then_rerun_complete_byte_identical(tmp_path, start_worker, redis_url):
    old = write_config(tmp_path / "old")
    new = write_config(tmp_path / "new", redis_url)
    stock_source(old)
    worker = start_worker(new, concurrency=1)
    command = migrate_command(old, new)
    copied = kill_when_copying(command, tmp_path / "new" / "packages")
    worker.kill()
    assert 0 < copied < FILES + 1, "the kill came too late to test a resume"

    start_worker(new)
    rerun = subprocess.run([str(BIN / "ppc-migrate"), str(old), str(new), "--timeout", "120"],
                           capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"0 missing of {FILES + 1}" in rerun.stdout
    assert visible_tree(tmp_path / "old" / "packages") == visible_tree(tmp_path / "new" / "packages")
    target = load_backends(Settings.from_file(new), changes=ChangeFeed())
    try:
        assert len(target.cache.all_files()) == FILES + 1
    finally:
        target.close()


def test_in_process_migration_killed_midway_then_rerun(tmp_path):
    old = write_config(tmp_path / "old")
    new = write_config(tmp_path / "new")
    stock_source(old)
    copied = kill_when_copying(migrate_command(old, new, "--in-process"), tmp_path / "new" / "packages")
    assert 0 < copied < FILES + 1
    rerun = subprocess.run([str(BIN / "ppc-migrate"), str(old), str(new), "--in-process"],
                           capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"already in {new}" in rerun.stdout and f"0 missing of {FILES + 1}" in rerun.stdout
    assert visible_tree(tmp_path / "old" / "packages") == visible_tree(tmp_path / "new" / "packages")


def test_graceful_rebuild_on_a_worker_under_read_load_never_404s(tmp_path, start_worker):
    from ppc_index import create_app

    config = write_config(tmp_path / "site", None, db__graceful_reload="true", pypi__default_read="everyone")
    settings = Settings.from_file(config)
    names = [f"served{i}" for i in range(20)]
    seed = load_backends(settings, changes=ChangeFeed())
    for name in names:
        put(seed, dists.wheel_filename(name, "1.0"), dists.wheel_bytes(name, "1.0"))
    seed.close()
    app = create_app(settings)  # shares the worker's change feed (one stamp file per cache)
    server = ServedApp(app)
    start_worker(config)
    statuses: list[int] = []
    stop = threading.Event()

    def read() -> None:
        with requests.Session() as session:
            session.trust_env = False
            while not stop.is_set():
                for name in names:
                    statuses.append(session.get(f"{server.base_url}/simple/{name}/", timeout=10).status_code)
                    statuses.append(session.get(
                        f"{server.base_url}/api/package/{name}/{dists.wheel_filename(name, '1.0')}",
                        timeout=10).status_code)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(5):
            result = run_job(config, bus.REBUILD_CACHE)  # graceful: db.graceful_reload
            assert result["files"] == len(names)
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)
        server.stop()
        app.extensions["ppc"].close()
    assert len(statuses) > 100
    assert set(statuses) == {200}
