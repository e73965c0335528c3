"""The docs' config-file example (stevearc / dsa / donlan) over HTTP, every route kind."""

import pytest

from tests import dists
from tests.conftest import DOCS_USERS, basic_auth

PACKAGES = ["django_unchained", "polite_requests", "pyramid_head"]
# The docs' table: what each user may do with each package.
EXPECTED = {
    "stevearc": {"django_unchained": "rw", "polite_requests": "r", "pyramid_head": "r"},
    "dsa": {"django_unchained": "rw", "polite_requests": "rw", "pyramid_head": "rw"},
    "donlan": {"django_unchained": "", "polite_requests": "rw", "pyramid_head": "rw"},
    None: {"django_unchained": "", "polite_requests": "", "pyramid_head": "r"},
}
CELLS = [(user, package) for user in EXPECTED for package in PACKAGES]


def auth_for(user):
    return basic_auth(user, DOCS_USERS[user]) if user else {}


@pytest.fixture
def stocked(client, upload):
    for package in PACKAGES:
        response = upload(dists.wheel_filename(package, "1.0"), dists.wheel_bytes(package, "1.0"))
        assert response.status_code == 200, response.get_data(as_text=True)
    return client


@pytest.mark.parametrize("user, package", CELLS)
def test_project_page_read_matrix(stocked, user, package):
    response = stocked.get(f"/simple/{package.replace('_', '-')}/", headers=auth_for(user))
    if "r" in EXPECTED[user][package]:
        assert response.status_code == 200
    elif user is None:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="pypi"'
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("user, package", CELLS)
def test_download_matrix(stocked, user, package):
    name = package.replace("_", "-")
    response = stocked.get(f"/api/package/{name}/{dists.wheel_filename(package, '1.0')}", headers=auth_for(user))
    if "r" in EXPECTED[user][package]:
        assert response.status_code == 200
        assert response.data == dists.wheel_bytes(package, "1.0")
    else:
        assert response.status_code == (401 if user is None else 403)


@pytest.mark.parametrize("user, package", CELLS)
def test_upload_matrix(stocked, upload, user, package):
    filename = dists.wheel_filename(package, "2.0")
    response = upload(filename, dists.wheel_bytes(package, "2.0"), headers=auth_for(user))
    if "w" in EXPECTED[user][package]:
        assert response.status_code == 200, response.get_data(as_text=True)
    else:
        assert response.status_code == (401 if user is None else 403)
        assert stocked.get(f"/api/package/{package.replace('_', '-')}/{filename}",
                           headers=basic_auth("admin", "admin-secret")).status_code == 404


@pytest.mark.parametrize("user", list(EXPECTED))
def test_listings_show_only_readable_packages(stocked, user):
    readable = sorted(p.replace("_", "-") for p in PACKAGES if "r" in EXPECTED[user][p])
    listing = stocked.get("/simple/", headers=auth_for(user)).get_data(as_text=True)
    assert [p for p in (x.replace("_", "-") for x in PACKAGES) if f">{p}<" in listing] == readable
    api = stocked.get("/api/package/", headers=auth_for(user)).get_json()
    assert api["packages"] == readable


@pytest.mark.parametrize("user", [u for u in EXPECTED if u])
def test_api_project_reports_write_flag(stocked, user):
    for package in PACKAGES:
        response = stocked.get(f"/api/package/{package}/", headers=auth_for(user))
        if "r" in EXPECTED[user][package]:
            assert response.get_json()["write"] == ("w" in EXPECTED[user][package])
        else:
            assert response.status_code == 403


def test_names_typed_with_other_spelling_in_config_still_match(make_app, make_settings, upload):
    """1.x kept `package.Django_Unchained...` as typed and never matched it."""
    settings = make_settings(**{"package.Pyramid.Head.user.donlan": "r", "pypi.default_read": "everyone"})
    client = make_app(settings).test_client()
    client.post("/simple/", data=__import__("tests.conftest", fromlist=["x"]).upload_fields(
        dists.wheel_filename("pyramid-head", "1.0"), dists.wheel_bytes("pyramid-head", "1.0")),
        headers=basic_auth("admin", "admin-secret"))
    # pyramid-head has explicit entries now, so the open default no longer applies to it
    assert client.get("/simple/pyramid-head/", headers=auth_for("stevearc")).status_code == 200  # group everyone
    assert client.get("/simple/pyramid-head/", headers=auth_for("donlan")).status_code == 200


def test_wrong_password_never_gets_the_users_rights(stocked):
    response = stocked.get("/simple/django-unchained/", headers=basic_auth("stevearc", "wrong"))
    assert response.status_code == 401
    assert stocked.get("/simple/django-unchained/", headers=auth_for("stevearc")).status_code == 200
    assert stocked.get("/simple/django-unchained/", headers=basic_auth("stevearc", "wrong")).status_code == 401


def test_overwrite_needs_the_overwrite_group(stocked, upload, make_app, make_settings):
    filename = dists.wheel_filename("polite_requests", "1.0")
    response = upload(filename, dists.wheel_bytes("polite_requests", "1.0", summary="changed"),
                      headers=auth_for("dsa"))
    assert response.status_code == 409
    assert "already exists" in response.get_json()["message"]


def test_overwrite_allowed_for_overwrite_groups(make_app, make_settings):
    from tests.conftest import upload_fields

    client = make_app(make_settings(**{"pypi.allow_overwrite_groups": "sharkfest"})).test_client()
    filename = dists.wheel_filename("polite_requests", "1.0")
    for summary in ("first", "second"):
        data = dists.wheel_bytes("polite_requests", "1.0", summary=summary)
        response = client.post("/simple/", data=upload_fields(filename, data), headers=auth_for("dsa"))
        assert response.status_code == 200
    assert client.get(f"/api/package/polite-requests/", headers=auth_for("dsa")).get_json()["packages"][0]["summary"] == "second"


def test_delete_needs_write_and_the_delete_group(stocked, make_app, make_settings):
    filename = dists.wheel_filename("pyramid_head", "1.0")
    assert stocked.delete(f"/api/package/pyramid-head/{filename}", headers=auth_for("stevearc")).status_code == 403
    assert stocked.delete(f"/api/package/pyramid-head/{filename}").status_code == 401
    assert stocked.delete(f"/api/package/pyramid-head/{filename}", headers=auth_for("donlan")).status_code == 200
    assert stocked.delete(f"/api/package/pyramid-head/{filename}", headers=auth_for("donlan")).status_code == 400


def test_delete_outside_delete_groups_is_403(make_app, make_settings, upload):
    from tests.conftest import upload_fields

    client = make_app(make_settings(**{"pypi.allow_delete_groups": "sharkfest"})).test_client()
    filename = dists.wheel_filename("pyramid_head", "1.0")
    client.post("/simple/", data=upload_fields(filename, dists.wheel_bytes("pyramid_head", "1.0")),
                headers=basic_auth("admin", "admin-secret"))
    assert client.delete(f"/api/package/pyramid-head/{filename}", headers=auth_for("donlan")).status_code == 403
    assert client.delete(f"/api/package/pyramid-head/{filename}", headers=auth_for("dsa")).status_code == 200


def test_file_routes_check_the_file_belongs_to_the_project_in_the_url(stocked):
    """1.x looked files up by name alone: read on one project reached every file."""
    secret = dists.wheel_filename("django_unchained", "1.0")
    response = stocked.get(f"/api/package/pyramid-head/{secret}", headers=auth_for("donlan"))
    assert response.status_code == 404
    response = stocked.delete(f"/api/package/pyramid-head/{secret}", headers=auth_for("donlan"))
    assert response.status_code == 400
    assert stocked.get(f"/api/package/django-unchained/{secret}", headers=auth_for("dsa")).status_code == 200


def test_api_url_segment_is_normalised_before_permissions(stocked):
    response = stocked.get("/api/package/Django_Unchained/", headers=auth_for("donlan"))
    assert response.status_code == 403
