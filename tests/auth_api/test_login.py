"""Web login: signed session cookie, CSRF token on cookie-authenticated writes, logout."""

import pytest

from .conftest import ROOT


@pytest.mark.parametrize("prefix", ["", "/acct"])
def test_login_sets_a_safe_cookie_and_logout_clears_it(auth_client, prefix):
    response = auth_client.post(f"{prefix}/login", json={"username": ROOT[0], "password": ROOT[1]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == ROOT[0] and body["admin"] is True and len(body["csrf_token"]) > 20
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ppc_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert auth_client.get("/admin/user").status_code == 200  # the cookie authenticates reads
    assert auth_client.post(f"{prefix}/logout").status_code == 200
    assert auth_client.get("/admin/user").status_code == 401


def test_wrong_password_gets_no_session(auth_client):
    response = auth_client.post("/login", data={"username": ROOT[0], "password": "wrong"})
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert auth_client.post("/login", data={"username": ROOT[0]}).status_code == 400


def test_cookie_writes_need_the_csrf_token(auth_client):
    csrf = auth_client.post("/login", json={"username": ROOT[0], "password": ROOT[1]}).get_json()["csrf_token"]
    refused = auth_client.put("/admin/group/cookie_group")
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["message"]
    assert auth_client.put("/admin/group/cookie_group", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert auth_client.put("/admin/group/cookie_group", headers={"X-CSRF-Token": csrf}).status_code == 201
    assert auth_client.get("/api/user/me").get_json()["csrf_token"] == csrf


def test_session_secure_setting_marks_the_cookie(make_auth_app, make_auth_settings):
    app = make_auth_app(make_auth_settings(session__secure="true"))
    app.extensions["ppc"].access.create_user(*ROOT, admin=True)
    response = app.test_client().post("/login", json={"username": ROOT[0], "password": ROOT[1]})
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_forged_cookie_is_ignored(auth_client):
    auth_client.set_cookie("ppc_session", "eyJ1c2VyIjoicm9vdCJ9.forged.signature")
    assert auth_client.get("/admin/user").status_code == 401


def test_deleted_user_session_ends(auth_client, sql_access):
    sql_access.create_user("temp", "pw")
    auth_client.post("/login", json={"username": "temp", "password": "pw"})
    assert auth_client.get("/api/user/me").get_json()["username"] == "temp"
    sql_access.delete_user("temp")
    assert auth_client.get("/api/user/me").get_json()["username"] is None


@pytest.mark.parametrize("path", ["/login", "/acct/login"])
def test_login_page_handles_signup_token_links(auth_client, path):
    response = auth_client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "tokenRegister" in response.get_data(as_text=True)


def test_health(auth_client):
    response = auth_client.get("/health")
    assert response.status_code == 200 and response.get_json()["healthy"] is True
