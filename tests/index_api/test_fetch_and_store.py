"""Fetch-and-store through a real server: many clients at once, and an upstream whose
bytes do not match the digest it publishes."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest
import requests

from tests import dists
from tests.conftest import password_hash
from tests.upstream_index import ServedApp, serve_upstream

READER = ("reader", "reader-secret")
NAME = "big-up"
WHEEL = dists.wheel_filename(NAME, "1.0")


def big_wheel() -> bytes:
    # ~600 KB of incompressible content: many chunks, so the fetch takes a while.
    return dists.wheel_bytes(NAME, "1.0", extra_files={"big_up/blob.bin": os.urandom(600_000)})


@pytest.fixture
def served(tmp_path, make_settings, make_app):
    (tmp_path / "upstream").mkdir()
    upstream, upstream_server = serve_upstream(tmp_path / "upstream")
    settings = make_settings(**{
        "pypi__fallback": "cache", "pypi__fallback_base_url": upstream.base_url,
        "pypi__default_read": "authenticated", "pypi__cache_update": "authenticated",
        "upstream__timeout": "5", f"user__{READER[0]}": password_hash(READER[1]),
    })
    app = make_app(settings)
    index_server = ServedApp(app)
    yield upstream, index_server, app, tmp_path / "packages"
    index_server.stop()
    upstream_server.stop()


def stored_files(packages_dir) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, f), packages_dir)
                  for folder, _, files in os.walk(packages_dir) for f in files)


def test_twenty_concurrent_downloads_store_one_object_and_all_get_the_file(served):
    upstream, index_server, app, packages = served
    data = big_wheel()
    upstream.add(WHEEL, data)
    upstream.chunk_delay = 0.005
    url = f"{index_server.base_url}/api/package/{NAME}/{WHEEL}"
    results: list = [None] * 20
    barrier = threading.Barrier(20)

    def fetch(i: int) -> None:
        with requests.Session() as session:
            session.trust_env = False
            barrier.wait()
            response = session.get(url, auth=READER, timeout=60)
            results[i] = (response.status_code, hashlib.sha256(response.content).hexdigest())

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    expected = hashlib.sha256(data).hexdigest()
    assert results == [(200, expected)] * 20
    assert upstream.file_gets[WHEEL] == 1
    assert stored_files(packages) == [f"{NAME}/1.0/{WHEEL}", f"{NAME}/1.0/{WHEEL}.meta",
                                      f"{NAME}/1.0/{WHEEL}.metadata"]
    package = app.extensions["ppc"].index.get_file(NAME, WHEEL)
    assert package.sha256 == expected and package.md5 == hashlib.md5(data).hexdigest()
    assert package.core_metadata_sha256  # PEP 658 metadata extracted on the way in


def test_digest_mismatch_is_not_stored_and_not_served_whole(served):
    upstream, index_server, app, packages = served
    data = big_wheel()
    upstream.add(WHEEL, data, wrong_sha256=True)
    url = f"{index_server.base_url}/api/package/{NAME}/{WHEEL}"
    for _ in range(2):
        with requests.Session() as session:
            session.trust_env = False
            with pytest.raises(requests.exceptions.RequestException):
                response = session.get(url, auth=READER, timeout=30)
                # A short body with a full Content-Length is an error for every client.
                assert len(response.content) == len(data), "served whole"
    assert upstream.file_gets[WHEEL] == 2  # nothing kept, so the second asks again
    assert stored_files(packages) == []
    assert app.extensions["ppc"].index.cache.fetch(WHEEL) is None


def test_upstream_error_on_a_file_is_502_and_stores_nothing(served):
    upstream, index_server, app, packages = served
    upstream.add(WHEEL, big_wheel())
    upstream.file_status = 500
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(f"{index_server.base_url}/api/package/{NAME}/{WHEEL}", auth=READER, timeout=30)
    assert response.status_code == 502
    assert stored_files(packages) == []


def test_first_client_gets_bytes_while_the_upstream_still_sends(served):
    upstream, index_server, app, packages = served
    data = big_wheel()
    upstream.add(WHEEL, data)
    upstream.chunk_delay = 0.03  # ~37 chunks: about 1.1 s for the whole file
    with requests.Session() as session:
        session.trust_env = False
        started = time.monotonic()
        response = session.get(f"{index_server.base_url}/api/package/{NAME}/{WHEEL}", auth=READER,
                               timeout=30, stream=True)
        assert response.status_code == 200
        received = bytearray()
        first_byte_after = None
        for chunk in response.iter_content(1 << 14):
            if first_byte_after is None:
                first_byte_after = time.monotonic() - started
            received += chunk
        total = time.monotonic() - started
    assert bytes(received) == data
    assert first_byte_after < total / 2, (first_byte_after, total)


def test_a_client_that_hangs_up_midway_still_leaves_the_file_stored(served):
    upstream, index_server, app, packages = served
    data = big_wheel()
    upstream.add(WHEEL, data)
    upstream.chunk_delay = 0.01
    url = f"{index_server.base_url}/api/package/{NAME}/{WHEEL}"
    with requests.Session() as session:
        session.trust_env = False
        assert session.head(url, auth=READER, timeout=10).status_code == 200
        assert upstream.file_gets[WHEEL] == 0  # HEAD (uv's probe) fetches nothing
        response = session.get(url, auth=READER, timeout=30, stream=True)
        next(response.iter_content(1 << 14))
        response.close()  # gone after the first chunk
    index = app.extensions["ppc"].index
    deadline = time.monotonic() + 20
    while index.cache.fetch(WHEEL) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert index.cache.fetch(WHEEL) is not None
    with requests.Session() as session:
        session.trust_env = False
        assert session.get(url, auth=READER, timeout=30).content == data
    assert upstream.file_gets[WHEEL] == 1
