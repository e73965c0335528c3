"""Simple pages: PEP 503/691 negotiation, redirects, ETag/304, gzip, invalidation."""

import gzip
import hashlib

import pytest

from tests import dists
from tests.conftest import basic_auth

ADMIN = basic_auth("admin", "admin-secret")
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"


@pytest.fixture
def stocked(client, upload):
    wheel = dists.wheel_bytes("demo-pkg", "1.0", requires_python=">=3.8", summary="A demo")
    assert upload(dists.wheel_filename("demo-pkg", "1.0"), wheel).status_code == 200
    assert upload(dists.sdist_filename("demo-pkg", "1.0"), dists.sdist_bytes("demo-pkg", "1.0")).status_code == 200
    return client


@pytest.mark.parametrize("accept, expected", [
    (None, "text/html"),
    ("*/*", "text/html"),
    ("text/html", "text/html"),
    (JSON_V1, JSON_V1),
    (HTML_V1, HTML_V1),
    ("application/vnd.pypi.simple.latest+json", JSON_V1),
    ("application/vnd.pypi.simple.latest+html", HTML_V1),
    # what pip sends
    (f"{JSON_V1}, {HTML_V1}; q=0.1, text/html; q=0.01", JSON_V1),
    (f"{JSON_V1}; q=0.2, {HTML_V1}; q=0.5", HTML_V1),
    ("application/json", "text/html"),  # nothing fits: the HTML default, as PEP 691 allows
])
def test_content_type_follows_accept(stocked, accept, expected):
    headers = dict(ADMIN)
    if accept:
        headers["Accept"] = accept
    for path in ("/simple/demo-pkg/", "/simple/"):
        response = stocked.get(path, headers=headers)
        assert response.status_code == 200
        assert response.mimetype == expected
        assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("query, expected", [("json", JSON_V1), (JSON_V1, JSON_V1), ("html", HTML_V1)])
def test_format_query_parameter_wins(stocked, query, expected):
    response = stocked.get(f"/simple/demo-pkg/?format={query}", headers={**ADMIN, "Accept": "text/html"})
    assert response.mimetype == expected


def test_json_page_carries_hashes_metadata_and_pep_700(stocked):
    document = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "Accept": JSON_V1}).get_json()
    assert document["versions"] == ["1.0"]
    wheel = next(f for f in document["files"] if f["filename"].endswith(".whl"))
    data = dists.wheel_bytes("demo-pkg", "1.0", requires_python=">=3.8", summary="A demo")
    assert wheel["hashes"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert wheel["size"] == len(data)
    assert wheel["requires-python"] == ">=3.8"
    assert wheel["core-metadata"]["sha256"]
    assert wheel["url"] == "/api/package/demo-pkg/demo_pkg-1.0-py3-none-any.whl"


def test_core_metadata_file_is_served_and_matches_its_hash(stocked):
    document = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "Accept": JSON_V1}).get_json()
    wheel = next(f for f in document["files"] if f["filename"].endswith(".whl"))
    metadata = stocked.get(wheel["url"] + ".metadata", headers=ADMIN)
    assert metadata.status_code == 200
    assert hashlib.sha256(metadata.data).hexdigest() == wheel["core-metadata"]["sha256"]
    assert b"Name: demo-pkg" in metadata.data and b"Requires-Python: >=3.8" in metadata.data
    sdist = next(f for f in document["files"] if f["filename"].endswith(".tar.gz"))
    assert sdist["core-metadata"] is False
    assert stocked.get(sdist["url"] + ".metadata", headers=ADMIN).status_code == 404


@pytest.mark.parametrize("path, target", [
    ("/simple/Demo_Pkg/", "/simple/demo-pkg/"),
    ("/simple/demo.pkg/", "/simple/demo-pkg/"),
    ("/pypi/DEMO-pkg/", "/pypi/demo-pkg/"),
])
def test_other_spellings_redirect_to_the_normalised_url(stocked, path, target):
    response = stocked.get(path, headers=ADMIN)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(target)


def test_missing_trailing_slash_redirects(stocked):
    assert stocked.get("/simple", headers=ADMIN).status_code in (301, 308)
    assert stocked.get("/simple/demo-pkg", headers=ADMIN).status_code in (301, 308)


def test_aliases_serve_the_same_listing(stocked):
    pages = [stocked.get(path, headers=ADMIN).get_data(as_text=True) for path in ("/simple/", "/pypi/", "/")]
    assert all('<a href="/simple/demo-pkg/">demo-pkg</a>' in page for page in pages)
    assert stocked.get("/pypi/demo-pkg/", headers=ADMIN).status_code == 200


def test_etag_gives_304(stocked):
    first = stocked.get("/simple/demo-pkg/", headers=ADMIN)
    etag = first.headers["ETag"]
    again = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    json_etag = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "Accept": JSON_V1}).headers["ETag"]
    assert json_etag != etag


def test_gzip_when_accepted(stocked):
    plain = stocked.get("/simple/demo-pkg/", headers=ADMIN)
    zipped = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Content-Encoding" not in plain.headers


def test_pages_change_on_upload_delete_and_yank(stocked, upload):
    before = stocked.get("/simple/demo-pkg/", headers=ADMIN)
    assert upload(dists.wheel_filename("demo-pkg", "2.0"), dists.wheel_bytes("demo-pkg", "2.0")).status_code == 200
    after_upload = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "If-None-Match": before.headers["ETag"]})
    assert after_upload.status_code == 200 and b"demo_pkg-2.0" in after_upload.data

    filename = dists.wheel_filename("demo-pkg", "2.0")
    response = stocked.post(f"/api/package/demo-pkg/{filename}/yank", json={"reason": "broken build"}, headers=ADMIN)
    assert response.status_code == 200
    assert b'data-yanked="broken build"' in stocked.get("/simple/demo-pkg/", headers=ADMIN).data
    json_files = stocked.get("/simple/demo-pkg/", headers={**ADMIN, "Accept": JSON_V1}).get_json()["files"]
    assert next(f for f in json_files if f["filename"] == filename)["yanked"] == "broken build"

    assert stocked.delete(f"/api/package/demo-pkg/{filename}/yank", headers=ADMIN).status_code == 200
    assert b"data-yanked" not in stocked.get("/simple/demo-pkg/", headers=ADMIN).data

    assert stocked.delete(f"/api/package/demo-pkg/{filename}", headers=ADMIN).status_code == 200
    assert b"demo_pkg-2.0" not in stocked.get("/simple/demo-pkg/", headers=ADMIN).data


def test_yank_without_reason_and_needs_write(stocked):
    filename = dists.wheel_filename("demo-pkg", "1.0")
    assert stocked.post(f"/api/package/demo-pkg/{filename}/yank").status_code == 401
    assert stocked.post(f"/api/package/demo-pkg/{filename}/yank", headers=basic_auth("stevearc", "gunface")).status_code == 403
    assert stocked.post(f"/api/package/demo-pkg/{filename}/yank", headers=ADMIN).status_code == 200
    assert b'data-yanked=""' in stocked.get("/simple/demo-pkg/", headers=ADMIN).data


def test_yank_survives_a_rebuild(stocked, app):
    filename = dists.wheel_filename("demo-pkg", "1.0")
    stocked.post(f"/api/package/demo-pkg/{filename}/yank", json={"reason": "why"}, headers=ADMIN)
    app.extensions["ppc"].index.rebuild()
    assert b'data-yanked="why"' in stocked.get("/simple/demo-pkg/", headers=ADMIN).data


def test_unknown_project_is_404_for_users_and_401_for_anonymous(client):
    assert client.get("/simple/nothing-here/", headers=ADMIN).status_code == 404
    assert client.get("/simple/nothing-here/").status_code == 401


def test_redirect_fallback_sends_unknown_projects_upstream(make_app, make_settings):
    client = make_app(make_settings(**{"pypi.fallback": "redirect",
                                       "pypi.fallback_base_url": "http://127.0.0.1:9"})).test_client()
    response = client.get("/simple/not-stored/", headers=ADMIN)
    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:9/simple/not-stored/"


def test_disallowed_fallback_is_never_redirected(make_app, make_settings):
    client = make_app(make_settings(**{"pypi.fallback": "redirect", "pypi.disallow_fallback": "Private_Up",
                                       "pypi.fallback_base_url": "http://127.0.0.1:9"})).test_client()
    assert client.get("/simple/private-up/", headers=ADMIN).status_code == 404


def test_download_streams_with_cache_control(make_app, make_settings):
    from tests.conftest import upload_fields

    client = make_app(make_settings(**{"pypi.package_max_age": "3600"})).test_client()
    data = dists.sdist_bytes("demo", "1.0")
    client.post("/simple/", data=upload_fields("demo-1.0.tar.gz", data), headers=ADMIN)
    response = client.get("/api/package/demo/demo-1.0.tar.gz", headers=ADMIN)
    assert response.status_code == 200 and response.data == data
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "demo-1.0.tar.gz" in response.headers["Content-Disposition"]


def test_packages_page_links_every_readable_file(stocked):
    page = stocked.get("/packages/", headers=ADMIN).get_data(as_text=True)
    assert "/api/package/demo-pkg/demo_pkg-1.0-py3-none-any.whl#sha256=" in page
    assert ">demo_pkg-1.0.tar.gz<" in page
    assert "{" not in page  # 1.x rendered each link as a Python dict
    assert "demo_pkg" not in stocked.get("/packages/").get_data(as_text=True)  # default_read: authenticated
