"""Tasks run by a real worker, on Redis and on the embedded SQLite bus."""

from __future__ import annotations

import hashlib
import time

import pytest

from ppc_shared import bus
from ppc_shared.changes import ChangeFeed
from ppc_shared.settings import Settings
from ppc_shared.wiring import load_backends
from tests import dists
from tests.shared.test_maintenance import put, strip, tree
from tests.upstream_index import serve_upstream

from .conftest import run_job, write_config


@pytest.mark.parametrize("kind", ["redis", "embedded"])
def test_every_task_runs_on_a_real_worker(kind, request, tmp_path, start_worker):
    (tmp_path / "up").mkdir()
    upstream, served = serve_upstream(tmp_path / "up")
    request.addfinalizer(served.stop)
    fetched = dists.wheel_bytes("from-up", "3.0", requires_python=">=3.10")
    upstream.add(dists.wheel_filename("from-up", "3.0"), fetched, requires_python=">=3.10")

    bus_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    config = write_config(tmp_path / "site", bus_url, pypi__fallback="cache",
                          pypi__fallback_base_url=upstream.base_url)
    settings = Settings.from_file(config)
    assert bus_kind_is(settings, kind)
    backends = load_backends(settings, changes=ChangeFeed())
    request.addfinalizer(backends.close)
    for i in range(3):
        put(backends, dists.wheel_filename("job-pkg", f"1.{i}"), dists.wheel_bytes("job-pkg", f"1.{i}"))
    packages = tmp_path / "site" / "packages"
    complete = tree(packages)
    strip(packages, ("hash_sha256", "hash_md5", "hash_blake2b_256", "core_metadata_sha256"), drop_core=True)
    start_worker(config)

    # rebuild first: the cache learns that the files lack hashes and metadata
    assert run_job(config, bus.REBUILD_CACHE, graceful=False)["files"] == 3
    assert all(p.sha256 is None for p in backends.cache.all_files())
    assert run_job(config, bus.COMPUTE_MISSING_HASHES)["updated"] == 3
    assert run_job(config, bus.EXTRACT_MISSING_METADATA)["updated"] == 3
    assert tree(packages) == complete
    assert all(p.sha256 and p.core_metadata_sha256 for p in backends.cache.all_files())
    # idempotent: a second run finds nothing to do
    assert run_job(config, bus.COMPUTE_MISSING_HASHES)["updated"] == 0

    filename = dists.wheel_filename("from-up", "3.0")
    assert run_job(config, bus.FETCH_AND_STORE, "From_Up", filename) == filename
    assert run_job(config, bus.FETCH_AND_STORE, "from-up", filename) == filename
    assert upstream.file_gets[filename] == 1
    stored = backends.cache.fetch(filename)
    assert stored.sha256 == hashlib.sha256(fetched).hexdigest() and stored.requires_python == ">=3.10"


def bus_kind_is(settings: Settings, kind: str) -> bool:
    url = bus.BusSettings.from_settings(settings).url
    return url.startswith("redis://") if kind == "redis" else url.startswith("sqla+sqlite:///")


def test_failed_job_reports_its_error(tmp_path, start_worker, redis_url):
    config = write_config(tmp_path / "site", redis_url, pypi__fallback="cache",
                          pypi__fallback_base_url="http://127.0.0.1:9")
    start_worker(config)
    app = bus.create_celery(Settings.from_file(config))
    job = app.send_task(bus.FETCH_AND_STORE, args=["nothing", "nothing-1.0.tar.gz"])
    deadline = time.monotonic() + 30
    status = bus.job_status(app, job.id)
    while status["state"] not in ("RETRY", "FAILURE") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = bus.job_status(app, job.id)
    # The upstream is unreachable: a transient error, retried with backoff, and reported.
    assert status["state"] == "RETRY", status
    assert "UpstreamUnavailable" in status["error"] or "cannot be reached" in status["error"]
    job.revoke()


def test_admin_rebuild_is_done_by_the_worker(tmp_path, start_worker, redis_url, request):
    """``GET /admin/rebuild`` on auth-api queues the job; a real worker runs it; the job
    status says so."""
    import base64

    from ppc_auth.app import create_app
    from ppc_shared.passwords import hash_password, make_context

    config = write_config(tmp_path / "site", redis_url, auth__admins="root",
                          **{"user.root": hash_password(make_context("sha256_crypt", 1000), "root-pw")})
    settings = Settings.from_file(config)
    backends = load_backends(settings, changes=ChangeFeed())
    request.addfinalizer(backends.close)
    put(backends, dists.wheel_filename("rebuilt", "1.0"), dists.wheel_bytes("rebuilt", "1.0"))
    backends.cache.clear_all()
    start_worker(config)

    client = create_app(settings, backends).test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(b"root:root-pw").decode()}
    response = client.get("/admin/rebuild", headers=auth)
    assert response.status_code == 202
    job_id = response.get_json()["id"]
    celery_app = bus.create_celery(settings)
    deadline = time.monotonic() + 60
    while (status := bus.job_status(celery_app, job_id))["state"] not in ("SUCCESS", "FAILURE"):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["state"] == "SUCCESS", status
    assert [p.filename for p in backends.cache.all_files()] == [dists.wheel_filename("rebuilt", "1.0")]
