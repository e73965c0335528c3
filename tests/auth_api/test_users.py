"""Registration, signup tokens, password change, and bad input answered with a clear 4xx."""

import time

import pytest

from ppc_shared.access.tokens import make_token
from tests.conftest import basic_auth

from .conftest import ROOT, SIGNING_KEY


@pytest.fixture
def empty_client(make_auth_app, make_auth_settings):
    """auth-api on an empty SQL backend: no admin yet."""
    return make_auth_app(make_auth_settings()).test_client()


def test_first_registered_user_becomes_admin_then_registration_is_closed(empty_client):
    response = empty_client.put("/api/user/first", data={"password": "pw1"})
    assert response.status_code == 201
    assert response.get_json() == {"username": "first", "admin": True, "pending": False}
    assert empty_client.get("/admin/user/", headers=basic_auth("first", "pw1")).status_code == 200
    second = empty_client.put("/api/user/second", json={"password": "pw2"})
    assert second.status_code == 403
    assert second.get_json()["error"] == "forbidden"


def test_password_change(auth_client, sql_access):
    sql_access.create_user("bob", "old-pass")
    bob = basic_auth("bob", "old-pass")
    wrong = auth_client.post("/api/user/password", data={"old_password": "nope", "new_password": "x"}, headers=bob)
    assert wrong.status_code == 403
    ok = auth_client.post("/api/user/password", data={"old_password": "old-pass", "new_password": "F0084RR"}, headers=bob)
    assert ok.status_code == 200
    assert auth_client.get("/api/user/me", headers=bob).status_code == 401  # cached success dropped
    assert auth_client.get("/api/user/me", headers=basic_auth("bob", "F0084RR")).get_json()["username"] == "bob"
    assert auth_client.post("/api/user/password", data={"old_password": "a", "new_password": "b"}).status_code == 401


def _token(username, issued=None):
    return make_token(SIGNING_KEY, username, issued)


def test_token_registration_creates_an_approved_user_once(auth_client, root_auth):
    token = auth_client.get("/admin/token/newbie", headers=root_auth).get_json()["token"]
    assert auth_client.put("/acct/tokenRegister", json={"token": token, "password": "pw"}).status_code == 201
    assert auth_client.get("/api/user/me", headers=basic_auth("newbie", "pw")).get_json()["username"] == "newbie"
    reused = auth_client.put("/api/user/token", json={"token": token, "password": "other"})
    assert reused.status_code == 409


@pytest.mark.parametrize("token, reason", [
    ("garbage", "malformed"), ("a:b:c", "malformed"), ("", "malformed"), ("x" * 5000, "malformed"),
    ("newbie:123:" + "0" * 64, "invalid"),
])
def test_bad_tokens_are_400(auth_client, token, reason):
    response = auth_client.put("/acct/tokenRegister", json={"token": token, "password": "pw"})
    assert response.status_code == 400
    assert reason in response.get_json()["message"]


def test_forged_token_is_400(auth_client):
    forged = make_token("another-key", "mallory")
    assert auth_client.put("/acct/tokenRegister", json={"token": forged, "password": "pw"}).status_code == 400


def test_expired_token_is_400(make_auth_app, make_auth_settings):
    client = make_auth_app(make_auth_settings(auth__token_expire="60")).test_client()
    fresh = _token("late", time.time() - 30)
    stale = _token("later", time.time() - 120)
    assert client.put("/acct/tokenRegister", json={"token": stale, "password": "pw"}).get_json()["message"] == \
        "the signup token has expired"
    assert client.put("/acct/tokenRegister", json={"token": fresh, "password": "pw"}).status_code == 201


def test_tokens_off_without_signing_key(make_auth_app, make_auth_settings):
    app = make_auth_app(make_auth_settings(auth__signing_key=""))
    app.extensions["ppc"].access.create_user(*ROOT, admin=True)
    client = app.test_client()
    response = client.get("/admin/token/x", headers=basic_auth(*ROOT))
    assert response.status_code == 400 and "auth.signing_key" in response.get_json()["message"]


def test_signing_key_from_environment(make_auth_app, make_settings, tmp_path):
    from ppc_shared.settings import Settings

    base = make_settings(pypi__auth="sql", auth__db__url=f"sqlite:///{tmp_path / 'a.sqlite'}")
    settings = Settings.from_raw(type(base.raw)(dict(base.raw._values), env={"PPC_AUTH_SIGNING_KEY": "from-env"},
                                                here=str(tmp_path)))
    app = make_auth_app(settings)
    token = make_token("from-env", "envuser")
    assert app.test_client().put("/acct/tokenRegister", json={"token": token, "password": "pw"}).status_code == 201


@pytest.mark.parametrize("body, kwargs", [
    ("{not json", {"content_type": "application/json"}),
    ("[1, 2]", {"content_type": "application/json"}),
    ('{"password": 5}', {"content_type": "application/json"}),
    ('{"password": ""}', {"content_type": "application/json"}),
    ('{"password": "' + "p" * 10_000 + '"}', {"content_type": "application/json"}),
    ("", {}),
])
def test_bad_input_is_4xx_never_500(auth_client, root_auth, body, kwargs):
    for method, path, headers in (("PUT", "/api/user/someone", {}), ("PUT", "/admin/user/someone", root_auth),
                                  ("PUT", "/acct/tokenRegister", {})):
        response = auth_client.open(path, method=method, data=body, headers=headers, **kwargs)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert set(response.get_json()) == {"error", "message"}


def test_unknown_user_and_bad_names_are_4xx(auth_client, root_auth):
    assert auth_client.get("/admin/user/ghost", headers=root_auth).status_code == 404
    assert auth_client.post("/admin/user/ghost/admin", data={"admin": "true"}, headers=root_auth).status_code == 404
    assert auth_client.post("/admin/user/ghost/approve", headers=root_auth).status_code == 404
    assert auth_client.put("/admin/user/a:b", data={"password": "x"}, headers=root_auth).status_code == 400
    assert auth_client.put("/admin/user/" + "u" * 300, data={"password": "x"}, headers=root_auth).status_code == 400
    assert auth_client.put("/admin/group/" + "g" * 300, headers=root_auth).status_code == 400
    assert auth_client.put("/admin/group/everyone", headers=root_auth).status_code in (400, 409)
    bad_basic = {"Authorization": "Basic !!!"}
    assert auth_client.get("/admin/user", headers=bad_basic).status_code == 401
    assert auth_client.get("/admin/user", headers=basic_auth("root", "p" * 10_000)).status_code == 401
