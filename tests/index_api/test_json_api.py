"""``/pypi/<name>/json``, ``/api/package/...`` documents, XML-RPC search, ``/health``."""

import hashlib
import xmlrpc.client

import pytest

from tests import dists
from tests.conftest import basic_auth

ADMIN = basic_auth("admin", "admin-secret")


@pytest.fixture
def stocked(client, upload):
    for version, summary in (("1.0", "First"), ("2.0", "Second"), ("3.0rc1", "Pre")):
        data = dists.wheel_bytes("demo-pkg", version, summary=summary, requires_python=">=3.8")
        assert upload(dists.wheel_filename("demo-pkg", version), data).status_code == 200
    sdist = dists.sdist_bytes("demo-pkg", "2.0")
    assert upload(dists.sdist_filename("demo-pkg", "2.0"), sdist, summary="Second").status_code == 200
    assert upload(dists.wheel_filename("other", "0.1"), dists.wheel_bytes("other", "0.1", summary="Other thing")).status_code == 200
    return client


def test_project_json_lists_releases_and_latest_stable(stocked):
    document = stocked.get("/pypi/demo-pkg/json", headers=ADMIN).get_json()
    assert document["info"]["name"] == "demo-pkg"
    assert document["info"]["version"] == "2.0"
    assert document["info"]["summary"] == "Second"
    assert sorted(document["releases"]) == ["1.0", "2.0", "3.0rc1"]
    files = {f["filename"]: f for f in document["urls"]}
    sdist = files["demo_pkg-2.0.tar.gz"]
    assert sdist["packagetype"] == "sdist"
    assert sdist["digests"]["sha256"] == hashlib.sha256(dists.sdist_bytes("demo-pkg", "2.0")).hexdigest()
    assert sdist["md5_digest"] == sdist["digests"]["md5"]
    assert files["demo_pkg-2.0-py3-none-any.whl"]["packagetype"] == "bdist_wheel"
    assert files["demo_pkg-2.0-py3-none-any.whl"]["requires_python"] == ">=3.8"
    assert stocked.get("/simple/demo-pkg/json", headers=ADMIN).get_json() == document


def test_release_json(stocked):
    document = stocked.get("/pypi/Demo_Pkg/1.0/json", headers=ADMIN).get_json()
    assert document["info"]["version"] == "1.0"
    assert [f["filename"] for f in document["urls"]] == ["demo_pkg-1.0-py3-none-any.whl"]
    assert stocked.get("/pypi/demo-pkg/9.9/json", headers=ADMIN).status_code == 404


def test_json_needs_read(stocked):
    assert stocked.get("/pypi/demo-pkg/json").status_code == 401
    assert stocked.get("/pypi/nothing/json", headers=ADMIN).status_code == 404


def test_api_package_list_plain_and_verbose(stocked):
    assert stocked.get("/api/package/", headers=ADMIN).get_json() == {"packages": ["demo-pkg", "other"]}
    verbose = stocked.get("/api/package/?verbose=true", headers=ADMIN).get_json()["packages"]
    assert [p["name"] for p in verbose] == ["demo-pkg", "other"]
    assert verbose[1]["summary"] == "Other thing"
    assert isinstance(verbose[0]["last_modified"], int)


def test_api_project_files_are_1x_package_objects(stocked):
    body = stocked.get("/api/package/demo-pkg/", headers=ADMIN).get_json()
    assert body["write"] is True
    wheel = next(p for p in body["packages"] if p["filename"] == "demo_pkg-1.0-py3-none-any.whl")
    assert set(wheel) == {"name", "filename", "last_modified", "version", "url", "summary", "metadata"}
    assert wheel["metadata"]["uploader"] == "admin"
    assert wheel["metadata"]["hash_sha256"] and wheel["metadata"]["hash_md5"]


def test_api_upload_takes_name_from_the_url(client):
    data = dists.sdist_bytes("via-api", "1.0")
    response = client.post("/api/package/via-api/via_api-1.0.tar.gz",
                           data={"content": (__import__("io").BytesIO(data), "via_api-1.0.tar.gz")},
                           headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"] == "via-api"
    response = client.post("/api/package/other-name/via_api-2.0.tar.gz",
                           data={"content": (__import__("io").BytesIO(dists.sdist_bytes("via-api", "2.0")), "via_api-2.0.tar.gz")},
                           headers=ADMIN, content_type="multipart/form-data")
    assert response.status_code == 400


def test_xmlrpc_search_filters_by_permission(stocked):
    def search(criteria, query_type="or", headers=ADMIN):
        body = xmlrpc.client.dumps((criteria, query_type), "search")
        response = stocked.post("/pypi", data=body, headers={**headers, "Content-Type": "text/xml"})
        assert response.status_code == 200
        return xmlrpc.client.loads(response.data)[0][0]

    found = search({"name": ["demo"]})
    assert found == [{"name": "demo-pkg", "summary": "Pre", "version": "3.0rc1"}]
    assert {r["name"] for r in search({"name": ["demo"], "summary": ["other"]})} == {"demo-pkg", "other"}
    assert search({"name": ["demo"], "summary": ["other"]}, "and") == []
    assert search({"name": ["demo"]}, headers={}) == []


def test_health_reports_each_backend(client, app):
    body = client.get("/health").get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"storage", "cache", "access"}


def test_health_is_503_when_storage_is_gone(client, app, settings):
    import shutil

    shutil.rmtree(settings.raw.path("storage.dir"))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"]["ok"] is False
    assert settings.raw.path("storage.dir") not in response.get_data(as_text=True)


def test_project_json_of_an_unstored_project_follows_the_fallback(make_app, make_settings):
    redirecting = make_app(make_settings(**{"pypi.fallback": "redirect",
                                            "pypi.fallback_base_url": "http://127.0.0.1:9"})).test_client()
    response = redirecting.get("/pypi/Not_Stored/json", headers=ADMIN)
    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:9/pypi/Not_Stored/json"  # the request path, as 1.x
    disallowed = make_app(make_settings(**{"pypi.fallback": "redirect", "pypi.disallow_fallback": "secret",
                                           "pypi.fallback_base_url": "http://127.0.0.1:9"})).test_client()
    assert disallowed.get("/pypi/secret/json", headers=ADMIN).status_code == 404
    assert disallowed.get("/pypi/secret/json").status_code == 401
