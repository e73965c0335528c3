"""Real pip and ``uv pip`` through ``pypi.fallback = cache``: the project is only upstream
(served from a temp dir on 127.0.0.1); the installer reads our upstream→cache links and
downloads through our fetch-and-store route, which keeps the file."""

from __future__ import annotations

import hashlib

import pytest

from tests import dists
from tests.upstream_index import serve_upstream

from .conftest import READER, describe, start_server, stop_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    directory = tmp_path_factory.mktemp("upstream")
    index, served = serve_upstream(directory)
    yield index
    served.stop()


@pytest.fixture(scope="module")
def cache_server(tmp_path_factory, upstream):
    # The server reads PPC_* overrides from its environment (1.x's rule).
    patch = pytest.MonkeyPatch()
    patch.setenv("PPC_PYPI_FALLBACK", "cache")
    patch.setenv("PPC_PYPI_FALLBACK_BASE_URL", upstream.base_url)
    try:
        started = start_server(tmp_path_factory.mktemp("ppc-cache-server"))
    finally:
        patch.undo()
    yield started
    stop_server(started)


def test_installer_gets_an_upstream_only_project_through_the_cache(installer, upstream, cache_server):
    name = f"upstream-only-{installer.kind}"
    wheel = dists.wheel_bytes(name, "1.0", requires_python=">=3.8")
    filename = dists.wheel_filename(name, "1.0")
    upstream.add(filename, wheel, requires_python=">=3.8")
    upstream.add(dists.wheel_filename(name, "2.0"), dists.wheel_bytes(name, "2.0"), requires_python=">=4")

    result = installer.install(cache_server.index_url(READER), name)
    assert result.returncode == 0, describe(result) + cache_server.tail()
    check = installer.run_python(f"import {name.replace('-', '_')} as m; print(m.__version__)")
    assert check.stdout.strip() == "1.0", describe(check)  # 2.0 needs Python >= 4: kept from upstream
    assert upstream.file_gets[filename] == 1
    assert upstream.file_gets[dists.wheel_filename(name, "2.0")] == 0
    stored = cache_server.root / "packages" / name / "1.0" / filename
    assert hashlib.sha256(stored.read_bytes()).digest() == hashlib.sha256(wheel).digest()
