"""The 1.x remote-access protocol, server side: parameters, JSON shapes, credentials."""

import pytest

from ppc_shared.passwords import hash_password, make_context
from tests.conftest import basic_auth

SERVICE = ("pypi-index", "service-secret")


@pytest.fixture
def remote_client(make_auth_app, make_auth_settings):
    settings = make_auth_settings(auth__remote_user=SERVICE[0],
                                  auth__remote_password=hash_password(make_context("sha256_crypt", 1000), SERVICE[1]))
    app = make_auth_app(settings)
    access = app.extensions["ppc"].access
    access.create_user("stevearc", "gunface", admin=True)
    access.create_user("dsa", "paranoia")
    access.create_group("sharkfest")
    access.edit_user_group("stevearc", "sharkfest", True)
    access.edit_user_group("dsa", "sharkfest", True)
    access.edit_user_permission("Django_Unchained", "stevearc", "read", True)
    access.edit_user_permission("Django_Unchained", "stevearc", "write", True)
    access.edit_group_permission("django_unchained", "sharkfest", "read", True)
    access.edit_group_permission("pyramid_head", "everyone", "read", True)
    return app.test_client()


def get(client, path, **params):
    return client.get(f"/remote{path}", query_string=params, headers=basic_auth(*SERVICE))


def test_verify_get_for_1x_and_post_form(remote_client):
    assert get(remote_client, "/verify", username="dsa", password="paranoia").get_json() is True
    assert get(remote_client, "/verify", username="dsa", password="wrong").get_json() is False
    assert get(remote_client, "/verify", username="nobody", password="x").get_json() is False
    posted = remote_client.post("/remote/verify", data={"username": "dsa", "password": "paranoia"},
                                headers=basic_auth(*SERVICE))
    assert posted.get_json() is True


def test_json_shapes(remote_client):
    assert get(remote_client, "/groups").get_json() == ["sharkfest"]
    assert get(remote_client, "/groups", username="dsa").get_json() == ["sharkfest"]
    assert get(remote_client, "/group_members", group="sharkfest").get_json() == ["dsa", "stevearc"]
    assert get(remote_client, "/admin", username="stevearc").get_json() is True
    assert get(remote_client, "/admin", username="dsa").get_json() is False
    # the package as typed in a URL segment, or normalised: the same answer
    for package in ("django_unchained", "Django-Unchained", "django-unchained"):
        assert get(remote_client, "/user_permissions", package=package).get_json() == {"stevearc": ["read", "write"]}
        assert get(remote_client, "/group_permissions", package=package).get_json() == {"sharkfest": ["read"]}
    assert get(remote_client, "/group_permissions", package="pyramid_head").get_json() == {"everyone": ["read"]}
    assert get(remote_client, "/user_package_permissions", username="stevearc").get_json() == [
        {"package": "django-unchained", "permissions": ["read", "write"]}]
    assert get(remote_client, "/group_package_permissions", group="everyone").get_json() == [
        {"package": "pyramid-head", "permissions": ["read"]}]
    assert get(remote_client, "/user_data").get_json() == [{"username": "dsa", "admin": False},
                                                            {"username": "stevearc", "admin": True}]
    assert get(remote_client, "/user_data", username="dsa").get_json() == {
        "username": "dsa", "admin": False, "groups": ["sharkfest"]}
    unknown = get(remote_client, "/user_data", username="ghost")
    assert unknown.status_code == 200 and unknown.get_json() is None
    assert get(remote_client, "/package_acls").get_json()["django-unchained"] == {
        "users": {"stevearc": ["read", "write"]}, "groups": {"sharkfest": ["read"]}}


def test_missing_parameter_is_400(remote_client):
    for path in ("/verify", "/group_members", "/admin", "/user_permissions", "/group_permissions",
                 "/user_package_permissions", "/group_package_permissions"):
        response = get(remote_client, path)
        assert response.status_code == 400, path


@pytest.mark.parametrize("headers, status", [
    ({}, 401), (basic_auth(SERVICE[0], "wrong"), 401), (basic_auth("dsa", "paranoia"), 401),
    (basic_auth("stevearc", "gunface"), 200),  # an admin of this server may call it too
    ({"Authorization": "Bearer abc"}, 401),
])
def test_service_credentials_are_required(remote_client, headers, status):
    assert remote_client.get("/remote/user_data", headers=headers).status_code == status


def test_trusted_environ_key_cannot_come_from_a_header(remote_client):
    response = remote_client.get("/remote/user_data", headers={"ppc.remote.trusted": "1"})
    assert response.status_code == 401


def test_verify_never_logs_the_password(remote_client, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        get(remote_client, "/verify", username="dsa", password="paranoia-in-query")
        remote_client.post("/remote/verify", data={"username": "dsa", "password": "paranoia-in-form"},
                           headers=basic_auth(*SERVICE))
    assert "paranoia" not in caplog.text


def test_gunicorn_access_log_redacts_query_passwords():
    from ppc_cli.serve import redact_passwords

    environ = {"QUERY_STRING": "username=a&password=s3cret", "RAW_URI": "/remote/verify?username=a&password=s3cret"}
    assert "s3cret" not in str(redact_passwords(environ))
