"""The ``ppc`` command and its 1.x aliases, run as a user would run them."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from passlib.context import CryptContext

BIN = Path(sys.executable).parent


def ppc(*args, stdin="", env=None, timeout=60):
    return subprocess.run([str(BIN / "ppc"), *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("args, prefix", [((), "$6$"), (("-s", "sha256_crypt", "-r", "6000"), "$5$rounds=6000$"),
                                          (("-s", "pbkdf2_sha256"), "$pbkdf2-sha256$")])
def test_gen_password_reads_stdin_and_prints_a_verifiable_hash(args, prefix):
    result = ppc("gen-password", *args, stdin="s3cret\n")
    assert result.returncode == 0, result.stderr
    hashed = result.stdout.strip()
    assert hashed.startswith(prefix)
    assert CryptContext(schemes=["sha512_crypt", "sha256_crypt", "pbkdf2_sha256"]).verify("s3cret", hashed)


def test_gen_password_alias_and_empty_password():
    result = subprocess.run([str(BIN / "ppc-gen-password")], input="\n", capture_output=True, text=True)
    assert result.returncode == 2 and "empty" in result.stderr


def test_make_config_writes_a_config_that_starts(tmp_path):
    target = tmp_path / "server.ini"
    result = subprocess.run([str(BIN / "ppc-make-config"), "-t", str(target)], input="pw\n",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert "[app:main]" in text and "storage.dir = %(here)s/packages" in text
    from ppc_shared.settings import Settings
    from ppc_shared.wiring import load_backends

    backends = load_backends(Settings.from_file(target, env={}))
    assert backends.access.verify_user("admin", "pw")
    backends.close()
    assert ppc("make-config", str(target), stdin="pw\n").returncode == 2  # will not overwrite


def test_bad_setting_stops_start_up_with_one_line(tmp_path):
    config = tmp_path / "bad.ini"
    config.write_text("[app:main]\nstorage.dir = %(here)s/p\ndb.url = sqlite:///%(here)s/c.db\npypi.fallback = sometimes\n")
    result = ppc("serve", str(config), "--port", str(free_port()), timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ppc: error: setting pypi.fallback: expected one of redirect, cache, none; got 'sometimes'"]
    config.write_text("[app:main]\nstorage.dir = %(here)s/p\ndb.url = sqlite:///%(here)s/c.db\npypi.storage = floppy\n")
    result = ppc("rebuild", str(config))
    assert result.returncode == 2 and "pypi.storage" in result.stderr and "Traceback" not in result.stderr


def test_embedded_default_starts_with_no_config_and_keeps_its_admin(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    process = subprocess.Popen([str(BIN / "ppc"), "serve", "--data-dir", str(data), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("the embedded server did not start")
        password = (data / "admin-password.txt").read_text().strip()
        assert oct((data / "admin-password.txt").stat().st_mode & 0o777) == "0o600"
        assert requests.get(f"http://127.0.0.1:{port}/simple/", auth=("admin", password), timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/simple/x/", timeout=5).status_code == 401
        assert (data / "packages").is_dir() and (data / "cache.sqlite").is_file()
        # users live in SQLite: the admin API writes at once
        base = f"http://127.0.0.1:{port}"
        assert requests.put(f"{base}/admin/user/carol", json={"password": "carol-pw"},
                            auth=("admin", password), timeout=5).status_code in (200, 201)
        assert requests.get(f"{base}/simple/", auth=("carol", "carol-pw"), timeout=5).status_code == 200
        requests.get(f"http://127.0.0.1:{port}/simple/", timeout=5)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"listening on http://127.0.0.1:{port}" in output
    assert f"password: {password}" in output
    assert "pip install --index-url" in output
    assert '"GET /simple/ HTTP/1.1" 200' in output  # one log line per request
    assert password not in output.split("pip install")[1]  # never logged again


def test_rebuild_command_reports_counts(tmp_path):
    from tests import dists

    storage = tmp_path / "packages" / "demo" / "1.0"
    storage.mkdir(parents=True)
    (storage / "demo-1.0.tar.gz").write_bytes(dists.sdist_bytes("demo", "1.0"))
    config = tmp_path / "c.ini"
    config.write_text("[app:main]\nstorage.dir = %(here)s/packages\ndb.url = sqlite:///%(here)s/c.db\n")
    result = ppc("rebuild", str(config))
    assert result.returncode == 0, result.stderr
    assert "1 files" in result.stdout
    assert "rebuild: 1/1" in result.stderr  # the progress bar, one line per tenth on a pipe
