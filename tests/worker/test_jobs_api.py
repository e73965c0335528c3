"""``/api/jobs``: admins queue jobs over HTTP and follow them; a real worker runs them."""

from __future__ import annotations

import time

from ppc_shared.settings import Settings
from tests.conftest import basic_auth, password_hash

from .conftest import write_config


def test_admin_queues_a_rebuild_and_follows_it(tmp_path, start_worker, make_app):
    config = write_config(tmp_path / "site", None, auth__admins="admin",
                          **{"user__admin": password_hash("admin-secret"),
                             "user__reader": password_hash("reader-secret")})
    app = make_app(Settings.from_file(config))
    client = app.test_client()
    admin = basic_auth("admin", "admin-secret")
    assert client.post("/api/jobs/rebuild").status_code == 401
    assert client.post("/api/jobs/rebuild", headers=basic_auth("reader", "reader-secret")).status_code == 403
    assert client.post("/api/jobs/nothing", headers=admin).status_code == 404
    start_worker(config)
    queued = client.post("/api/jobs/rebuild?graceful=true", headers=admin)
    assert queued.status_code == 202
    job = queued.get_json()
    deadline = time.monotonic() + 60
    status = client.get(job["url"], headers=admin).get_json()
    while status["state"] != "SUCCESS" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(job["url"], headers=admin).get_json()
    assert status["state"] == "SUCCESS", status
    assert status["result"]["files"] == 0
    assert client.get(job["url"], headers=basic_auth("reader", "reader-secret")).status_code == 403
