"""The remote access backend (client side of the 1.x protocol): settings, POSTed verify,
caching dropped on the ACL generation, 1.x servers without /package_acls, and failing
closed when the server is gone."""

import time

import pytest

from ppc_shared.access import create_access
from ppc_shared.access.config import ConfigAccessBackend
from ppc_shared.access.remote import RemoteAccessBackend, TransportError, WSGITransport
from ppc_shared.changes import ACL, ChangeFeed
from ppc_shared.errors import ServiceUnavailable, SettingsError
from ppc_shared.settings import RawSettings, Settings
from ppc_shared.wiring import load_backends
from tests.conftest import docs_acl_settings


@pytest.mark.parametrize("values, key", [
    ({}, "auth.backend_server"),
    ({"auth.backend_server": "ftp://x"}, "auth.backend_server"),
    ({"auth.backend_server": "http://x", "auth.remote_timeout": "soon"}, "auth.remote_timeout"),
])
def test_bad_settings_name_the_key(values, key):
    with pytest.raises(SettingsError, match=key):
        create_access(RawSettings({"pypi.auth": "remote", **values}, env={}))


def test_settings_and_uri_overrides():
    backend = create_access(RawSettings({"pypi.auth": "pypicloud.access.RemoteAccessBackend",
                                         "auth.backend_server": "http://auth:8080/remote/",
                                         "auth.user": "svc", "auth.password": "pw",
                                         "auth.uri.verify": "/check"}, env={}))
    assert isinstance(backend, RemoteAccessBackend)
    assert backend.transport.base_url == "http://auth:8080/remote"
    assert backend.transport.session.auth == ("svc", "pw")
    assert backend.uris["verify"] == "/check" and backend.uris["groups"] == "/groups"


class Recorder:
    """A transport around auth-api that records calls and can be switched off."""

    def __init__(self, app, hide=()):
        self.inner = WSGITransport(app)
        self.calls = []
        self.down = False
        self.hide = set(hide)

    def call(self, method, uri, params):
        self.calls.append((method, uri, dict(params)))
        if self.down:
            raise TransportError("ConnectionError")
        if uri in self.hide:
            from ppc_shared.access.remote import NotSupported
            raise NotSupported()
        return self.inner.call(method, uri, params)


@pytest.fixture
def auth_app(tmp_path):
    from ppc_auth import create_app

    settings = Settings.from_dict({"pypi.storage": "file", "storage.dir": str(tmp_path / "p"),
                                   "db.url": f"sqlite:///{tmp_path / 'c.sqlite'}", **docs_acl_settings()},
                                  here=str(tmp_path))
    backends = load_backends(settings, changes=ChangeFeed())
    yield create_app(settings, backends)
    backends.close()


def make_remote(transport, **kwargs):
    backend = RemoteAccessBackend(transport, **kwargs)
    backend.use_change_feed(ChangeFeed())
    return backend


def test_answers_match_the_server_and_verify_is_posted(auth_app):
    recorder = Recorder(auth_app)
    remote = make_remote(recorder)
    config = ConfigAccessBackend.from_settings(RawSettings(docs_acl_settings(), env={}))
    assert remote.verify_user("dsa", "paranoia") and not remote.verify_user("dsa", "nope")
    assert all(method == "POST" for method, uri, _ in recorder.calls if uri == "/verify")
    assert remote.package_acls() == config.package_acls()
    assert remote.groups("dsa") == config.groups("dsa")
    assert remote.group_members("brotatos") == sorted(config.group_members("brotatos"))
    assert remote.user_data("dsa") == config.user_data("dsa")
    assert remote.user_data("ghost") is None


def test_a_plain_1x_server_without_package_acls_is_enumerated(auth_app):
    recorder = Recorder(auth_app, hide={"/package_acls"})
    remote = make_remote(recorder)
    config = ConfigAccessBackend.from_settings(RawSettings(docs_acl_settings(), env={}))
    assert remote.package_acls() == config.package_acls()
    uris = {uri for _, uri, _ in recorder.calls}
    assert {"/user_package_permissions", "/group_package_permissions", "/user_data"} <= uris


def test_answers_are_cached_and_dropped_on_a_new_generation(auth_app):
    recorder = Recorder(auth_app)
    remote = make_remote(recorder, cache_seconds=60)
    remote.package_acls()
    remote.groups("dsa")
    count = len(recorder.calls)
    for _ in range(5):
        remote.package_acls()
        remote.groups("dsa")
    assert len(recorder.calls) == count
    remote.changes.notify(ACL)
    remote.package_acls()
    assert len(recorder.calls) == count + 1


def test_down_server_serves_cached_answers_for_a_bounded_time_then_503(auth_app):
    recorder = Recorder(auth_app)
    remote = make_remote(recorder, cache_seconds=0.1, stale_seconds=0.3)
    acls = remote.package_acls()
    recorder.down = True
    time.sleep(0.15)
    assert remote.package_acls() == acls  # stale but within the bound
    with pytest.raises(ServiceUnavailable):
        remote.groups("never-asked")
    with pytest.raises(ServiceUnavailable):
        remote.verify_user("dsa", "paranoia")  # never cached here: no guess
    time.sleep(0.3)
    with pytest.raises(ServiceUnavailable):
        remote.package_acls()
    assert remote.check_health()[0] is False


def test_requests_transport_against_nothing_is_503():
    backend = create_access(RawSettings({"pypi.auth": "remote", "auth.backend_server": "http://127.0.0.1:9",
                                         "auth.remote_timeout": "1"}, env={}))
    with pytest.raises(ServiceUnavailable):
        backend.verify_user("a", "b")
    with pytest.raises(ServiceUnavailable):
        backend.package_acls()
