"""``ppc serve`` on the embedded bus runs a worker beside the index: a job queued with
``ppc rebuild --queue`` is done by it, with its status shown."""

from __future__ import annotations

import subprocess

from tests.e2e.conftest import clean_env, start_server, stop_server

from .conftest import BIN


def test_embedded_serve_runs_a_worker_that_takes_queued_jobs(tmp_path):
    server = start_server(tmp_path)
    try:
        result = subprocess.run([str(BIN / "ppc"), "rebuild", str(tmp_path / "config.ini"), "--queue",
                                 "--timeout", "60"], capture_output=True, text=True, timeout=90,
                                env=clean_env(), stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stdout + result.stderr + server.tail()
        assert "queued job" in result.stdout and "done: {'files': 0" in result.stdout
        job_id = result.stdout.split("queued job ", 1)[1].split()[0]
        status = subprocess.run([str(BIN / "ppc"), "job", str(tmp_path / "config.ini"), job_id],
                                capture_output=True, text=True, timeout=60, env=clean_env())
        assert f"job {job_id} done" in status.stdout, status.stdout + status.stderr
    finally:
        stop_server(server)
    assert server.process.poll() is not None
