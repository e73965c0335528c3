"""The upstream client (PEP 691, PEP 503, JSON API; errors) and fetch-and-store as plain
functions, against an upstream served on 127.0.0.1."""

from __future__ import annotations

import hashlib
import threading

import pytest

from ppc_shared.changes import ChangeFeed
from ppc_shared.errors import NotFound
from ppc_shared.locks import FileLocks
from ppc_shared.settings import Settings
from ppc_shared.upstream import (
    DigestMismatch, UpstreamClient, UpstreamFetcher, UpstreamSettings, UpstreamTimeout, UpstreamUnavailable,
    fetch_and_store_file,
)
from ppc_shared.upstream.client import parse_json_api, parse_simple_html, parse_simple_json
from ppc_shared.wiring import load_backends
from tests import dists
from tests.upstream_index import serve_upstream

NAME = "plain-up"
WHEEL = dists.wheel_filename(NAME, "1.0")
SDIST = dists.sdist_filename(NAME, "1.0")


@pytest.fixture
def upstream(tmp_path):
    (tmp_path / "up").mkdir()
    index, served = serve_upstream(tmp_path / "up")
    index.add(WHEEL, dists.wheel_bytes(NAME, "1.0"), requires_python=">=3.8")
    index.add(SDIST, dists.sdist_bytes(NAME, "1.0"), yanked=True)
    index.served = served
    yield index
    served.stop()


def client_for(base_url: str, *, json_scraper: bool = True, timeout: int = 5) -> UpstreamClient:
    return UpstreamClient(UpstreamSettings(base_url, json_scraper, 2.0, float(timeout), 0.0))


def test_parse_simple_html_keeps_hash_requires_python_yanked_and_metadata():
    html = ('<a href="../../f/x-1.0.tar.gz#sha256=ABC" data-requires-python="&gt;=3.8" '
            'data-yanked="bad" data-core-metadata="sha256=def">x-1.0.tar.gz</a>')
    [found] = parse_simple_html(html, "http://127.0.0.1:1/simple/x/")
    assert found.url == "http://127.0.0.1:1/f/x-1.0.tar.gz"
    assert found.hashes == {"sha256": "abc"} and found.requires_python == ">=3.8"
    assert found.yanked == "bad" and found.core_metadata_sha256 == "def"


def test_parse_simple_json_and_json_api():
    [found] = parse_simple_json({"files": [{"filename": "x-1.0.tar.gz", "url": "/f/x-1.0.tar.gz",
                                            "hashes": {"sha256": "aa"}, "requires-python": ">=3",
                                            "yanked": False, "size": 3}]}, "http://127.0.0.1:1/simple/x/")
    assert (found.url, found.hashes, found.requires_python, found.size) == (
        "http://127.0.0.1:1/f/x-1.0.tar.gz", {"sha256": "aa"}, ">=3", 3)
    [found] = parse_json_api({"releases": {"1.0": [{"filename": "x-1.0.tar.gz", "url": "http://127.0.0.1:1/f",
                                                    "digests": {"sha256": "bb", "md5": "cc"}, "yanked": True,
                                                    "yanked_reason": "r", "requires_python": "<4"}]}},
                             "http://127.0.0.1:1/pypi/x/json")
    assert found.hashes == {"sha256": "bb", "md5": "cc"} and found.yanked == "r" and found.requires_python == "<4"


@pytest.mark.parametrize("simple_json, simple_html, json_api, via", [
    (True, True, True, "simple"), (False, True, True, "simple"), (False, False, True, "json")])
def test_client_reads_each_upstream_format(upstream, simple_json, simple_html, json_api, via):
    upstream.simple_json, upstream.simple_html, upstream.json_api = simple_json, simple_html, json_api
    files = {f.filename: f for f in client_for(upstream.base_url).project_files("Plain_Up")}
    assert set(files) == {WHEEL, SDIST}
    assert files[WHEEL].requires_python == ">=3.8"
    assert files[SDIST].yanked is not False
    assert files[WHEEL].hashes["sha256"] == hashlib.sha256(dists.wheel_bytes(NAME, "1.0")).hexdigest()
    assert any(kind == via for kind, _ in upstream.page_gets)


def test_client_errors_are_clear(upstream, tmp_path):
    with pytest.raises(NotFound):
        client_for(upstream.base_url).project_files("no-such-project")
    upstream.page_delay = 2
    with pytest.raises(UpstreamTimeout):
        client_for(upstream.base_url, timeout=1).project_files(NAME)
    upstream.served.stop()
    with pytest.raises(UpstreamUnavailable) as raised:
        client_for(upstream.base_url).project_files(NAME)
    assert raised.value.status == 502 and "127.0.0.1" not in raised.value.message


@pytest.fixture
def local_index(tmp_path, upstream):
    settings = Settings.from_dict({
        "storage.dir": str(tmp_path / "packages"), "db.url": f"sqlite:///{tmp_path / 'cache.sqlite'}",
        "pypi.fallback": "cache", "pypi.fallback_base_url": upstream.base_url,
        "pypi.disallow_fallback": "secret-pkg",
    }, here=str(tmp_path))
    backends = load_backends(settings, changes=ChangeFeed())
    fetcher = UpstreamFetcher.from_settings(settings)
    fetcher.locks = FileLocks(str(tmp_path / "locks"))
    yield backends.index, fetcher
    backends.close()


def test_fetch_and_store_concurrently_stores_once(local_index, upstream):
    index, fetcher = local_index
    results = []
    threads = [threading.Thread(target=lambda: results.append(fetch_and_store_file(index, fetcher, NAME, WHEEL)))
               for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 20 and {p.filename for p in results} == {WHEEL}
    assert upstream.file_gets[WHEEL] == 1
    package = index.get_file(NAME, WHEEL)
    assert package.requires_python == ">=3.8" and package.sha256 and package.core_metadata_sha256
    with index.storage.open(package) as stream:
        assert stream.read() == dists.wheel_bytes(NAME, "1.0")


def test_fetched_yanked_file_stays_yanked(local_index, upstream):
    index, fetcher = local_index
    assert fetch_and_store_file(index, fetcher, NAME, SDIST).yanked


def test_digest_mismatch_stores_nothing(local_index, upstream, tmp_path):
    index, fetcher = local_index
    upstream.entries[NAME][0].wrong_sha256 = True
    with pytest.raises(DigestMismatch):
        fetch_and_store_file(index, fetcher, NAME, WHEEL)
    assert index.cache.fetch(WHEEL) is None
    assert list(index.storage.list()) == []


def test_disallowed_name_is_never_fetched(local_index, upstream):
    index, fetcher = local_index
    with pytest.raises(NotFound):
        fetch_and_store_file(index, fetcher, "Secret_Pkg", "secret_pkg-1.0.tar.gz")
    with pytest.raises(NotFound):
        fetcher.listing("secret.pkg")
    assert upstream.page_gets == {}
