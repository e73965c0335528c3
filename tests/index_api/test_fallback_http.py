"""pypi.fallback over HTTP: every cell of 1.x's tables against an upstream index served on
127.0.0.1, the links each answer carries, fetch-and-store through those links, and
disallow_fallback never reaching upstream."""

from __future__ import annotations

import hashlib

import pytest

from tests import dists
from tests.conftest import basic_auth, password_hash
from tests.shared.test_fallback import CELLS
from tests.upstream_index import serve_upstream

from ppc_shared.fallback import Outcome

JSON_V1 = "application/vnd.pypi.simple.v1+json"
READER = ("reader", "reader-secret")
NAME = "demo-up"
STORED = dists.wheel_filename(NAME, "1.0")
WHEEL_2 = dists.wheel_filename(NAME, "2.0")
SDIST_2 = dists.sdist_filename(NAME, "2.0")
DATA = {
    STORED: dists.wheel_bytes(NAME, "1.0"),
    WHEEL_2: dists.wheel_bytes(NAME, "2.0", requires_python=">=3.9", summary="from upstream"),
    SDIST_2: dists.sdist_bytes(NAME, "2.0"),
}


@pytest.fixture
def upstream(tmp_path):
    (tmp_path / "upstream").mkdir()
    index, served = serve_upstream(tmp_path / "upstream")
    index.add(STORED, DATA[STORED])
    index.add(WHEEL_2, DATA[WHEEL_2], requires_python=">=3.9")
    index.add(SDIST_2, DATA[SDIST_2], requires_python=">=3.9", yanked="broken build")
    index.served = served
    yield index
    served.stop()


def cell_settings(read: bool, update: bool, logged: bool) -> dict[str, str]:
    """Defaults that give the reader (or an anonymous caller) exactly the cell's rights."""
    if logged:
        return {"pypi.default_read": "authenticated" if read else "",
                "pypi.cache_update": "authenticated" if update else "nobody"}
    return {"pypi.default_read": "everyone" if read else "authenticated",
            "pypi.cache_update": "everyone" if update else "authenticated"}


@pytest.fixture
def fallback_app(make_settings, make_app, upstream):
    def build(fallback: str, always: bool = False, **extra: str):
        overrides = {
            "pypi.fallback": fallback,
            "pypi.fallback_base_url": upstream.base_url,
            "pypi.always_show_upstream": "true" if always else "false",
            "upstream.timeout": "2",
            f"user.{READER[0]}": password_hash(READER[1]),
            **extra,
        }
        return make_app(make_settings(**{k.replace(".", "__"): v for k, v in overrides.items()}))

    return build


def store(client, filename: str = STORED):
    from tests.conftest import upload_fields

    response = client.post("/simple/", data=upload_fields(filename, DATA[filename]),
                           headers=basic_auth("admin", "admin-secret"), content_type="multipart/form-data")
    assert response.status_code == 200, response.data


def files_of(response) -> dict[str, dict]:
    assert response.status_code == 200, response.data
    return {f["filename"]: f for f in response.get_json()["files"]}


@pytest.mark.parametrize("stored, read, update, logged, fallback, always, expected", CELLS)
def test_fallback_table_cell_over_http(fallback_app, upstream, stored, read, update, logged, fallback,
                                       always, expected):
    app = fallback_app(fallback, always, **cell_settings(read, update, logged))
    client = app.test_client()
    if stored:
        store(client)
    headers = {"Accept": JSON_V1, **(basic_auth(*READER) if logged else {})}
    response = client.get(f"/simple/{NAME}/", headers=headers)

    if expected is Outcome.UNAUTHORIZED:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    elif expected is Outcome.NOT_FOUND:
        assert response.status_code == 404
    elif expected is Outcome.REDIRECT:
        assert response.status_code == 302
        assert response.headers["Location"] == f"{upstream.base_url}/simple/{NAME}/"
    elif expected is Outcome.LIST:
        files = files_of(response)
        assert set(files) == {STORED}
        assert files[STORED]["url"] == f"/api/package/{NAME}/{STORED}"
    else:
        files = files_of(response)
        upstream_only = {WHEEL_2, SDIST_2} | (set() if stored else {STORED})
        assert set(files) == {STORED} | upstream_only
        if stored:
            assert files[STORED]["url"] == f"/api/package/{NAME}/{STORED}"
        for filename in upstream_only:
            if expected is Outcome.LIST_WITH_REDIRECT_LINKS:
                assert files[filename]["url"] == f"{upstream.base_url}/files/{filename}"
            else:
                assert files[filename]["url"] == f"/api/package/{NAME}/{filename}"
            assert files[filename]["hashes"]["sha256"] == hashlib.sha256(DATA[filename]).hexdigest()
        for filename in (WHEEL_2, SDIST_2):
            assert files[filename]["requires-python"] == ">=3.9"
        assert files[SDIST_2]["yanked"] == "broken build"
        assert upstream.file_gets == {}  # listing fetches nothing
        if expected in (Outcome.LIST_WITH_CACHE_LINKS, Outcome.UPSTREAM_CACHE_LINKS):
            # Following a cache link fetches, stores and serves the file in that request.
            fetched = client.get(files[WHEEL_2]["url"], headers=headers)
            assert fetched.status_code == 200
            assert fetched.data == DATA[WHEEL_2]
            assert hashlib.sha256(fetched.data).hexdigest() == files[WHEEL_2]["hashes"]["sha256"]
            again = client.get(files[WHEEL_2]["url"], headers=headers)
            assert again.data == DATA[WHEEL_2]
            assert upstream.file_gets[WHEEL_2] == 1


@pytest.mark.parametrize("formats", [
    dict(simple_json=True, simple_html=True, json_api=False),   # PEP 691
    dict(simple_json=False, simple_html=True, json_api=False),  # PEP 503 scraping
    dict(simple_json=False, simple_html=False, json_api=True),  # /pypi/<name>/json
])
def test_upstream_formats_keep_requires_python_yanked_and_hashes(fallback_app, upstream, formats):
    for key, value in formats.items():
        setattr(upstream, key, value)
    app = fallback_app("cache", True, **{"pypi.use_json_scraper": "true", **cell_settings(True, True, True)})
    client = app.test_client()
    auth = basic_auth(*READER)
    files = files_of(client.get(f"/simple/{NAME}/", headers={"Accept": JSON_V1, **auth}))
    assert set(files) == {STORED, WHEEL_2, SDIST_2}
    assert files[WHEEL_2]["requires-python"] == ">=3.9"
    assert files[SDIST_2]["yanked"] == "broken build"
    assert files[WHEEL_2]["hashes"]["sha256"] == hashlib.sha256(DATA[WHEEL_2]).hexdigest()
    html = client.get(f"/simple/{NAME}/", headers={"Accept": "text/html", **auth}).get_data(as_text=True)
    assert 'data-requires-python="&gt;=3.9"' in html
    assert 'data-yanked="broken build"' in html
    # The fetched file keeps them too, and the page then serves our stored copy.
    assert client.get(f"/api/package/{NAME}/{SDIST_2}", headers=auth).data == DATA[SDIST_2]
    files = files_of(client.get(f"/simple/{NAME}/", headers={"Accept": JSON_V1, **auth}))
    assert files[SDIST_2]["yanked"] == "broken build"
    assert files[SDIST_2]["requires-python"] == ">=3.9"
    assert "upload-time" in files[SDIST_2]  # ours now


def test_json_scraper_off_does_not_read_the_json_api(fallback_app, upstream):
    upstream.simple_json = upstream.simple_html = False
    app = fallback_app("cache", **{"pypi.use_json_scraper": "false", **cell_settings(True, True, True)})
    response = app.test_client().get(f"/simple/{NAME}/", headers=basic_auth(*READER))
    assert response.status_code == 404
    assert not any(kind == "json" for kind, _ in upstream.page_gets)


@pytest.mark.parametrize("logged, status", [(True, 403), (False, 401)])
def test_cache_link_without_cache_update_fetches_nothing(fallback_app, upstream, logged, status):
    app = fallback_app("cache", True, **cell_settings(True, False, logged))
    headers = basic_auth(*READER) if logged else {}
    response = app.test_client().get(f"/api/package/{NAME}/{WHEEL_2}", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert "Basic" in response.headers["WWW-Authenticate"]
    assert upstream.file_gets == {}


def test_file_not_listed_upstream_is_404(fallback_app, upstream):
    app = fallback_app("cache", **cell_settings(True, True, True))
    response = app.test_client().get(f"/api/package/{NAME}/{dists.wheel_filename(NAME, '9.9')}",
                                     headers=basic_auth(*READER))
    assert response.status_code == 404
    assert upstream.file_gets == {}


@pytest.mark.parametrize("fallback, always", [("redirect", False), ("redirect", True), ("cache", False),
                                              ("cache", True)])
@pytest.mark.parametrize("who", ["admin", "reader", "anonymous"])
@pytest.mark.parametrize("stored", [False, True])
def test_disallowed_package_never_reaches_upstream(fallback_app, upstream, fallback, always, who, stored):
    app = fallback_app(fallback, always, **{"pypi.disallow_fallback": "other Demo_Up",
                                            **cell_settings(True, True, who != "anonymous")})
    client = app.test_client()
    if stored:
        store(client)
    upstream.page_gets.clear()
    headers = {"admin": basic_auth("admin", "admin-secret"), "reader": basic_auth(*READER),
               "anonymous": {}}[who]
    for path in (f"/simple/{NAME}/", "/simple/Demo_Up/", f"/pypi/{NAME}/"):
        response = client.get(path, headers={"Accept": JSON_V1, **headers}, follow_redirects=True)
        if stored:
            assert set(files_of(response)) == {STORED}
        else:
            assert response.status_code == (401 if who == "anonymous" else 404)
    download = client.get(f"/api/package/{NAME}/{WHEEL_2}", headers=headers)
    assert download.status_code == 404
    assert upstream.page_gets == {} and upstream.file_gets == {}


def test_upstream_down_keeps_stored_packages_serving(fallback_app, upstream):
    app = fallback_app("cache", True, **cell_settings(True, True, True))
    client = app.test_client()
    store(client)
    auth = basic_auth(*READER)
    upstream.served.stop()
    files = files_of(client.get(f"/simple/{NAME}/", headers={"Accept": JSON_V1, **auth}))
    assert set(files) == {STORED}
    assert client.get(f"/api/package/{NAME}/{STORED}", headers=auth).data == DATA[STORED]
    unstored = client.get("/simple/other-project/", headers=auth)
    assert unstored.status_code == 502
    assert unstored.get_json()["error"] == "bad_gateway"
    assert client.get(f"/api/package/{NAME}/{WHEEL_2}", headers=auth).status_code == 502


def test_slow_upstream_is_504(fallback_app, upstream):
    upstream.page_delay = 3
    app = fallback_app("cache", **{"upstream.timeout": "1", **cell_settings(True, True, True)})
    response = app.test_client().get(f"/simple/{NAME}/", headers=basic_auth(*READER))
    assert response.status_code == 504
    assert response.get_json()["error"] == "gateway_timeout"
