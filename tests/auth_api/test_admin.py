"""Every /admin/ endpoint of the docs, as an admin, and refused to everyone else."""

import gzip
import json

import pytest

from tests.conftest import basic_auth

from .conftest import ROOT


@pytest.fixture
def alice(sql_access):
    sql_access.create_user("alice", "wonderland")
    return basic_auth("alice", "wonderland")


def test_user_crud(auth_client, root_auth):
    assert auth_client.put("/admin/user/LordFoobar/", data={"password": "abc123"}, headers=root_auth).status_code == 201
    assert auth_client.put("/admin/user/LordFoobar", data={"password": "abc123"}, headers=root_auth).status_code == 409
    users = auth_client.get("/admin/user/", headers=root_auth).get_json()
    assert {"username": "LordFoobar", "admin": False} in users
    assert {"username": ROOT[0], "admin": True} in users
    assert auth_client.get("/admin/user/LordFoobar/", headers=root_auth).get_json() == {
        "username": "LordFoobar", "admin": False, "groups": []}
    assert auth_client.post("/admin/user/LordFoobar/admin/", data={"admin": "true"}, headers=root_auth).status_code == 200
    assert auth_client.get("/admin/user/LordFoobar", headers=root_auth).get_json()["admin"] is True
    assert auth_client.post("/admin/user/LordFoobar/admin", json={"admin": False}, headers=root_auth).status_code == 200
    assert auth_client.get("/admin/user/LordFoobar", headers=root_auth).get_json()["admin"] is False
    assert auth_client.delete("/admin/user/LordFoobar/", headers=root_auth).status_code == 200
    assert auth_client.get("/admin/user/LordFoobar/", headers=root_auth).status_code == 404
    assert auth_client.delete("/admin/user/LordFoobar/", headers=root_auth).status_code == 404


def test_groups_and_membership(auth_client, root_auth, alice):
    assert auth_client.put("/admin/group/cool_people/", headers=root_auth).status_code == 201
    assert auth_client.put("/admin/group/cool_people/", headers=root_auth).status_code == 409
    assert auth_client.get("/admin/group/", headers=root_auth).get_json() == ["cool_people"]
    assert auth_client.put("/admin/user/alice/group/cool_people/", headers=root_auth).status_code == 200
    assert auth_client.put("/admin/user/alice/group/cool_people/", headers=root_auth).status_code == 409
    assert auth_client.put("/admin/user/nobody/group/cool_people/", headers=root_auth).status_code == 404
    assert auth_client.put("/admin/user/alice/group/nogroup/", headers=root_auth).status_code == 404
    assert auth_client.get("/admin/user/alice", headers=root_auth).get_json()["groups"] == ["cool_people"]
    assert auth_client.put("/admin/package/flywheel/group/cool_people/write", headers=root_auth).status_code == 200
    assert auth_client.get("/admin/group/cool_people/", headers=root_auth).get_json() == {
        "members": ["alice"], "packages": [{"package": "flywheel", "permissions": ["write"]}]}
    assert auth_client.delete("/admin/user/alice/group/cool_people/", headers=root_auth).status_code == 200
    assert auth_client.delete("/admin/user/alice/group/cool_people/", headers=root_auth).status_code == 404
    assert auth_client.delete("/admin/group/cool_people/", headers=root_auth).status_code == 200
    assert auth_client.get("/admin/group/cool_people/", headers=root_auth).status_code == 404
    assert auth_client.delete("/admin/group/cool_people/", headers=root_auth).status_code == 404


def test_package_permissions_normalise_names(auth_client, root_auth, alice):
    auth_client.put("/admin/group/cool_people", headers=root_auth)
    for path in ("/admin/package/Fly_Wheel/user/alice/read", "/admin/package/fly.wheel/user/alice/write",
                 "/admin/package/FLY-WHEEL/group/cool_people/read", "/admin/package/fly__wheel/group/everyone/read"):
        assert auth_client.put(path, headers=root_auth).status_code == 200, path
    expected = {"user": [{"username": "alice", "permissions": ["read", "write"]}],
                "group": [{"group": "cool_people", "permissions": ["read"]},
                          {"group": "everyone", "permissions": ["read"]}]}
    assert auth_client.get("/admin/package/fly-wheel/", headers=root_auth).get_json() == expected
    assert auth_client.get("/admin/user/alice/permissions/", headers=root_auth).get_json() == [
        {"package": "fly-wheel", "permissions": ["read", "write"]}]
    assert auth_client.delete("/admin/package/Fly_Wheel/user/alice/write/", headers=root_auth).status_code == 200
    assert auth_client.get("/admin/package/fly-wheel", headers=root_auth).get_json()["user"] == [
        {"username": "alice", "permissions": ["read"]}]
    assert auth_client.put("/admin/package/flywheel/user/alice/admin", headers=root_auth).status_code == 400
    assert auth_client.put("/admin/package/flywheel/robot/alice/read", headers=root_auth).status_code == 404
    assert auth_client.put("/admin/package/flywheel/user/ghost/read", headers=root_auth).status_code == 404
    assert auth_client.put("/admin/package/flywheel/group/ghosts/read", headers=root_auth).status_code == 404
    assert auth_client.put("/admin/package/bad%20name/user/alice/read", headers=root_auth).status_code == 400


def test_registration_toggle_pending_and_approve(auth_client, root_auth):
    assert auth_client.put("/api/user/LordFoobar", data={"password": "foobar"}).status_code == 403
    assert auth_client.post("/admin/register/", data={"allow": "true"}, headers=root_auth).status_code == 200
    assert auth_client.get("/admin/register", headers=root_auth).get_json() == {"allow": True}
    response = auth_client.put("/api/user/LordFoobar", data={"password": "foobar"})
    assert response.status_code == 201
    assert response.get_json() == {"username": "LordFoobar", "admin": False, "pending": True}
    assert auth_client.get("/admin/pending_users/", headers=root_auth).get_json() == ["LordFoobar"]
    # pending: cannot log in, not listed
    assert auth_client.get("/api/user/me", headers=basic_auth("LordFoobar", "foobar")).status_code == 401
    assert all(u["username"] != "LordFoobar" for u in auth_client.get("/admin/user", headers=root_auth).get_json())
    assert auth_client.post("/admin/user/LordFoobar/approve/", headers=root_auth).status_code == 200
    assert auth_client.post("/admin/user/LordFoobar/approve/", headers=root_auth).status_code == 404
    assert auth_client.get("/admin/pending_users", headers=root_auth).get_json() == []
    assert auth_client.get("/api/user/me", headers=basic_auth("LordFoobar", "foobar")).get_json()["username"] == "LordFoobar"
    assert auth_client.post("/admin/register", data={"allow": "false"}, headers=root_auth).status_code == 200
    assert auth_client.put("/api/user/Wat", data={"password": "x"}).status_code == 403
    assert auth_client.post("/admin/register", data={"allow": "maybe"}, headers=root_auth).status_code == 400


def test_acl_download_is_the_dump_format(auth_client, root_auth, alice):
    auth_client.put("/admin/group/g", headers=root_auth)
    auth_client.put("/admin/user/alice/group/g", headers=root_auth)
    auth_client.put("/admin/package/Pkg_One/user/alice/read", headers=root_auth)
    auth_client.put("/admin/package/pkg-one/group/g/write", headers=root_auth)
    response = auth_client.get("/admin/acl.json.gz", headers=root_auth)
    assert response.status_code == 200
    dump = json.loads(gzip.decompress(response.data))
    assert set(dump) >= {"allow_register", "version", "users", "groups", "packages"}
    assert dump["allow_register"] is False and isinstance(dump["version"], str)
    alice_entry = next(u for u in dump["users"] if u["username"] == "alice")
    assert alice_entry["admin"] is False and alice_entry["password"].startswith("$5$")
    assert alice_entry["groups"] == ["g"]
    assert dump["groups"] == {"g": ["alice"]}
    assert dump["packages"] == {"users": {"pkg-one": {"alice": ["read"]}}, "groups": {"pkg-one": {"g": ["write"]}}}


def test_token_endpoint(auth_client, root_auth):
    response = auth_client.get("/admin/token/LordFoobar/", headers=root_auth)
    assert response.status_code == 200
    body = response.get_json()
    name, issued, signature = body["token"].split(":")
    assert name == "LordFoobar" and issued.isdigit() and len(signature) == 64
    assert body["token_url"] == f"http://localhost/login#/?token={body['token']}"
    assert auth_client.get(f"/admin/token/{ROOT[0]}", headers=root_auth).status_code == 400


def test_rebuild_queues_a_job_for_the_worker(auth_client, root_auth):
    response = auth_client.get("/admin/rebuild/", headers=root_auth)
    assert response.status_code == 202
    body = response.get_json()
    assert body["state"] == "PENDING" and body["url"] == f"/api/jobs/{body['id']}"


ADMIN_ENDPOINTS = [
    ("GET", "/admin/rebuild/"), ("GET", "/admin/acl.json.gz"), ("POST", "/admin/register/"),
    ("GET", "/admin/pending_users/"), ("GET", "/admin/token/x/"), ("GET", "/admin/user/"),
    ("GET", "/admin/user/root/"), ("GET", "/admin/user/root/permissions/"), ("DELETE", "/admin/user/root/"),
    ("PUT", "/admin/user/x/"), ("POST", "/admin/user/x/approve/"), ("POST", "/admin/user/root/admin/"),
    ("PUT", "/admin/user/root/group/g/"), ("DELETE", "/admin/user/root/group/g/"), ("GET", "/admin/group/"),
    ("GET", "/admin/group/g/"), ("PUT", "/admin/group/g/"), ("DELETE", "/admin/group/g/"),
    ("GET", "/admin/package/p/"), ("PUT", "/admin/package/p/user/root/read/"),
    ("DELETE", "/admin/package/p/group/g/write/"),
]


@pytest.mark.parametrize("method, path", ADMIN_ENDPOINTS)
def test_admin_endpoints_refuse_anonymous_401_and_users_403(auth_client, alice, method, path):
    anonymous = auth_client.open(path, method=method)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="pypi"'
    assert anonymous.get_json()["error"] == "unauthorized"
    assert auth_client.open(path, method=method, headers=alice).status_code == 403
    assert auth_client.open(path, method=method, headers=basic_auth("root", "wrong")).status_code == 401


def test_read_only_backend_answers_reads_and_refuses_writes(make_auth_app, make_settings, admin_auth):
    client = make_auth_app(make_settings()).test_client()  # the config backend
    assert {"username": "stevearc", "admin": False} in client.get("/admin/user", headers=admin_auth).get_json()
    assert client.get("/admin/package/django-unchained", headers=admin_auth).get_json()["user"] == [
        {"username": "stevearc", "permissions": ["read", "write"]}]
    response = client.put("/admin/group/new", headers=admin_auth)
    assert response.status_code == 400 and "read-only" in response.get_json()["message"]
