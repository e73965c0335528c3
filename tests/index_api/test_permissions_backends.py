"""The docs' permission example (stevearc / dsa / donlan) over HTTP through index-api,
with the rules in the SQL backend and behind auth-api through the remote backend; a
permission change reaching index-api at once; auth-api down → never a wrong allow."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ppc_shared.access.config import ConfigAccessBackend
from ppc_shared.access.remote import RemoteAccessBackend, RequestsTransport, WSGITransport
from ppc_shared.changes import ChangeFeed, RedisChangeFeed, StampFileChangeFeed
from ppc_shared.wiring import load_backends
from tests import dists
from tests.conftest import ADMIN, basic_auth, upload_fields

from .test_permissions import EXPECTED, PACKAGES, auth_for


def docs_dump(settings):
    return ConfigAccessBackend.from_settings(settings.raw).dump()


def stock(client):
    for package in PACKAGES:
        response = client.post("/simple/", data=upload_fields(dists.wheel_filename(package, "1.0"),
                                                               dists.wheel_bytes(package, "1.0")),
                               headers=basic_auth(*ADMIN), content_type="multipart/form-data")
        assert response.status_code == 200, response.get_data(as_text=True)


def check_docs_matrix(client):
    """Every cell of the docs' table, on project pages, downloads, uploads and listings."""
    wrong = []
    for user, row in EXPECTED.items():
        headers = auth_for(user)
        listing = client.get("/simple/", headers=headers).get_data(as_text=True)
        for package, perms in row.items():
            name = package.replace("_", "-")
            page = client.get(f"/simple/{name}/", headers=headers).status_code
            download = client.get(f"/api/package/{name}/{dists.wheel_filename(package, '1.0')}", headers=headers)
            upload = client.post("/simple/", data=upload_fields(dists.wheel_filename(package, "2.0"),
                                                                 dists.wheel_bytes(package, "2.0")),
                                 headers=headers, content_type="multipart/form-data").status_code
            if upload == 200:  # keep the next cell's upload meaningful
                client.delete(f"/api/package/{name}/{dists.wheel_filename(package, '2.0')}", headers=basic_auth(*ADMIN))
            expected_page = 200 if "r" in perms else (401 if user is None else 404)
            expected_download = 200 if "r" in perms else (401 if user is None else 403)
            expected_upload = 200 if "w" in perms else (401 if user is None else 403)
            got = (page, download.status_code, upload, f">{name}<" in listing)
            want = (expected_page, expected_download, expected_upload, "r" in perms)
            if got != want:
                wrong.append((user, package, got, want))
    assert wrong == []


def test_docs_example_with_the_sql_backend(make_app, make_settings, tmp_path):
    settings = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'auth.sqlite'}")
    app = make_app(settings)
    app.extensions["ppc"].access.load(docs_dump(settings))
    client = app.test_client()
    stock(client)
    check_docs_matrix(client)


@pytest.fixture
def auth_api(make_settings, tmp_path):
    """auth-api on the SQL backend holding the docs' example."""
    from ppc_auth import create_app

    settings = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'auth.sqlite'}")
    backends = load_backends(settings, changes=ChangeFeed())
    backends.access.load(docs_dump(settings))
    app = create_app(settings, backends)
    yield app
    backends.close()


@pytest.fixture
def remote_index(make_app, make_settings):
    """index-api with ``pypi.auth = remote``; the transport is set by the test."""
    settings = make_settings(pypi__auth="remote", auth__backend_server="http://auth-api.invalid/remote")
    return make_app(settings)


def test_docs_example_through_auth_api_in_process(auth_api, remote_index):
    access = remote_index.extensions["ppc"].access
    assert isinstance(access, RemoteAccessBackend)
    access.transport = WSGITransport(auth_api)
    client = remote_index.test_client()
    stock(client)
    check_docs_matrix(client)


class _QuietHandler(WSGIRequestHandler):
    # 1.x's clients put the password in /verify's query string: keep it out of the log.
    def log_request(self, *args, **kwargs) -> None:
        pass


class ServerThread:
    """A WSGI app on a real socket on 127.0.0.1, stoppable."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def auth_server(auth_api):
    server = ServerThread(auth_api)
    yield server
    server.stop()


def test_docs_example_through_auth_api_over_http(auth_server, remote_index):
    access = remote_index.extensions["ppc"].access
    access.transport = RequestsTransport(auth_server.url + "/remote", ADMIN[0], ADMIN[1], timeout=5)
    client = remote_index.test_client()
    stock(client)
    check_docs_matrix(client)


def test_auth_api_down_never_allows_wrongly(auth_server, remote_index):
    access = remote_index.extensions["ppc"].access
    access.transport = RequestsTransport(auth_server.url + "/remote", ADMIN[0], ADMIN[1], timeout=2)
    access._cache.fresh, access._cache.stale = 0.2, 0.5
    client = remote_index.test_client()
    stock(client)
    dsa = auth_for("dsa")
    assert client.get("/simple/polite-requests/", headers=dsa).status_code == 200
    auth_server.stop()
    # A wrong password is never let in, whatever is cached.
    assert client.get("/simple/polite-requests/", headers=basic_auth("dsa", "wrong")).status_code in (401, 503)
    assert client.get("/simple/polite-requests/", headers=basic_auth("newcomer", "pw")).status_code in (401, 503)
    # Credentials never verified before: 503, not a guess.
    assert client.get("/simple/polite-requests/", headers=auth_for("donlan")).status_code == 503
    time.sleep(0.8)  # past the bounded stale window: nothing cached serves any more
    for user in EXPECTED:
        for package in PACKAGES:
            status = client.get(f"/simple/{package.replace('_', '-')}/", headers=auth_for(user)).status_code
            assert status in ((200, 503) if "r" in EXPECTED[user][package] else (401, 404, 503)), (user, package, status)
            if user is None or user == "donlan":
                assert status == 503 or "r" not in EXPECTED[user][package]
    # anonymous listing: never shows a package it may not read
    response = client.get("/simple/")
    assert response.status_code == 503
    assert client.get("/health").status_code in (500, 503)


def test_permission_change_reaches_index_api_at_once_in_one_process(make_settings, tmp_path):
    """The embedded default: one port, both apps, one change feed."""
    from ppc_cli.router import build_router
    from werkzeug.test import Client

    settings = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'auth.sqlite'}")
    backends = load_backends(settings, changes=ChangeFeed())
    try:
        backends.access.load(docs_dump(settings))
        client = Client(build_router(settings, backends))
        response = client.post("/simple/", data=upload_fields(dists.wheel_filename("django_unchained", "1.0"),
                                                               dists.wheel_bytes("django_unchained", "1.0")),
                               headers=basic_auth(*ADMIN))
        assert response.status_code == 200
        donlan = auth_for("donlan")
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 404
        assert ">django-unchained<" not in client.get("/simple/", headers=donlan).get_data(as_text=True)
        grant = client.put("/admin/package/Django_Unchained/user/donlan/read", headers=basic_auth(*ADMIN))
        assert grant.status_code == 200
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 200
        assert ">django-unchained<" in client.get("/simple/", headers=donlan).get_data(as_text=True)
        client.delete("/admin/package/django-unchained/user/donlan/read", headers=basic_auth(*ADMIN))
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 404
        # group membership and passwords too
        client.put("/admin/user/donlan/group/sharkfest", headers=basic_auth(*ADMIN))
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 200
        client.post("/admin/user/donlan/admin", data={"admin": "false"}, headers=basic_auth(*ADMIN))
        backends.access.set_password("donlan", "changed")
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 401
    finally:
        backends.close()


def _feed(kind: str, tmp_path, prefix: str):
    if kind == "stamp-file":
        return StampFileChangeFeed(str(tmp_path / "feed"))
    return RedisChangeFeed("redis://127.0.0.1:6379/0", prefix=prefix)


@pytest.mark.parametrize("feed_kind", ["stamp-file", "redis"])
def test_permission_change_reaches_a_separate_index_api_within_one_second(make_settings, tmp_path, feed_kind):
    """auth-api and index-api as separate apps, index-api asking over HTTP: auth-api
    announces the change on the change feed (a stamp file on one host, Redis pub/sub
    between hosts), and index-api drops its cached answers at its next request."""
    import secrets

    from ppc_auth import create_app as create_auth_app
    from ppc_index import create_app as create_index_app

    prefix = f"ppc-test:{secrets.token_hex(4)}:"
    auth_settings = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'auth.sqlite'}")
    auth_backends = load_backends(auth_settings, changes=_feed(feed_kind, tmp_path, prefix))
    index_settings = make_settings(pypi__auth="remote", auth__backend_server="http://auth-api.invalid/remote",
                                   auth__remote_cache_seconds="60")
    index_backends = load_backends(index_settings, changes=_feed(feed_kind, tmp_path, prefix))
    server = None
    try:
        auth_backends.access.load(docs_dump(auth_settings))
        server = ServerThread(create_auth_app(auth_settings, auth_backends))
        index_backends.access.transport = RequestsTransport(server.url + "/remote", ADMIN[0], ADMIN[1], timeout=5)
        client = create_index_app(index_settings, index_backends).test_client()
        stock(client)
        donlan = auth_for("donlan")
        assert client.get("/simple/django-unchained/", headers=donlan).status_code == 404
        started = time.monotonic()
        grant = server.server.app.test_client().put("/admin/package/django_unchained/user/donlan/read",
                                                    headers=basic_auth(*ADMIN))
        assert grant.status_code == 200
        while client.get("/simple/django-unchained/", headers=donlan).status_code != 200:
            assert time.monotonic() - started < 1.0, "the change did not reach index-api within one second"
            time.sleep(0.02)
    finally:
        if server is not None:
            server.stop()
        auth_backends.close()
        index_backends.close()
