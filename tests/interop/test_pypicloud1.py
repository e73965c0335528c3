"""A real PyPICloud 1.3.12 server with ``pypi.auth = remote`` against our auth-api allows
and denies exactly what auth-api says (the docs' example, every user × package, reads,
downloads and uploads), and follows a permission changed through our admin API.

1.3.12 needs Python 3.10 and SQLAlchemy < 2: ``scripts/test`` installs it in
``.venv-ppc1`` (``PPC_TEST_PYPICLOUD1_VENV`` to point elsewhere). Without it this test
FAILS, it does not skip.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from ppc_shared.changes import ChangeFeed
from ppc_shared.passwords import hash_password, make_context
from ppc_shared.wiring import load_backends
from tests import dists
from tests.conftest import ADMIN
from tests.index_api.test_permissions import EXPECTED, PACKAGES, auth_for
from tests.index_api.test_permissions_backends import ServerThread, docs_dump

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("PPC_TEST_PYPICLOUD1_VENV", REPO / ".venv-ppc1"))
SERVICE = ("pypi-1x", "service-" + secrets.token_hex(8))

pytestmark = pytest.mark.xdist_group("pypicloud1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def auth_api(make_settings, tmp_path):
    from ppc_auth import create_app

    settings = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'auth.sqlite'}",
                             auth__remote_user=SERVICE[0],
                             auth__remote_password=hash_password(make_context("sha256_crypt", 1000), SERVICE[1]))
    backends = load_backends(settings, changes=ChangeFeed())
    backends.access.load(docs_dump(settings))
    server = ServerThread(create_app(settings, backends))
    yield server
    server.stop()
    backends.close()


@pytest.fixture
def pypicloud1(auth_api, tmp_path):
    pserve = VENV / "bin" / "pserve"
    if not pserve.exists():
        pytest.fail(f"PyPICloud 1.3.12 is not installed at {VENV} (scripts/test installs it)", pytrace=False)
    root = tmp_path / "ppc1"
    root.mkdir()
    port = free_port()
    (root / "config.ini").write_text(f"""\
[app:main]
use = egg:pypicloud
pypi.storage = file
storage.dir = %(here)s/packages
db.url = sqlite:///%(here)s/db.sqlite
pypi.fallback = none
pypi.default_read = authenticated
pypi.auth = remote
auth.backend_server = {auth_api.url}/remote
auth.user = {SERVICE[0]}
auth.password = {SERVICE[1]}
session.encrypt_key = {secrets.token_hex(16)}
session.validate_key = {secrets.token_hex(16)}
session.secure = false

[server:main]
use = egg:waitress#main
host = 127.0.0.1
port = {port}
""")
    log = open(root / "server.log", "wb")
    process = subprocess.Popen([str(pserve), str(root / "config.ini")], cwd=root, stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("PyPICloud 1.3.12 did not start:\n" + (root / "server.log").read_text(errors="replace")[-3000:],
                        pytrace=False)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def upload(base, package, version, auth):
    filename = dists.wheel_filename(package, version)
    return requests.post(f"{base}/simple/", auth=auth, timeout=30, data={
        ":action": "file_upload", "name": package, "version": version,
    }, files={"content": (filename, dists.wheel_bytes(package, version))})


def credentials(user):
    header = auth_for(user)
    if not header:
        return None
    import base64

    return tuple(base64.b64decode(header["Authorization"].split()[1]).decode().split(":", 1))


def test_pypicloud1_follows_our_auth_api(pypicloud1, auth_api):
    for package in PACKAGES:
        response = upload(pypicloud1, package, "1.0", ADMIN)
        assert response.status_code == 200, response.text
    wrong = []
    for number, (user, row) in enumerate(EXPECTED.items()):
        auth = credentials(user)
        for package, perms in row.items():
            name = package.replace("_", "-")
            page = requests.get(f"{pypicloud1}/simple/{name}/", auth=auth, timeout=30).status_code
            download = requests.get(f"{pypicloud1}/api/package/{name}/{dists.wheel_filename(package, '1.0')}",
                                    auth=auth, timeout=30, allow_redirects=False).status_code
            up = upload(pypicloud1, package, f"2.{number}", auth).status_code
            got = (page == 200, download == 200, up == 200)
            want = ("r" in perms, "r" in perms, "w" in perms)
            if got != want:
                wrong.append((user, package, (page, download, up), want))
    assert wrong == []
    # a wrong password gets nothing
    assert requests.get(f"{pypicloud1}/simple/polite-requests/", auth=("dsa", "wrong"), timeout=30).status_code != 200

    # A permission granted through our admin API applies at 1.x's next request.
    donlan = credentials("donlan")
    assert requests.get(f"{pypicloud1}/simple/django-unchained/", auth=donlan, timeout=30).status_code != 200
    grant = requests.put(f"{auth_api.url}/admin/package/django_unchained/user/donlan/read",
                         auth=ADMIN, timeout=30)
    assert grant.status_code == 200
    assert requests.get(f"{pypicloud1}/simple/django-unchained/", auth=donlan, timeout=30).status_code == 200
