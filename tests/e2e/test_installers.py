"""Real twine, ``uv publish``, pip and ``uv pip`` against a running ``ppc serve``.

One server, one pip venv and one uv venv serve the whole session; every test works on
project names of its own so the tests do not depend on each other's order.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import urllib.request
from pathlib import Path

import pytest

from tests import dists

from .conftest import ADMIN, READER, TWINE, UV, _NO_PROXY_OPENER, describe, run

pytestmark = pytest.mark.e2e


# -- helpers ---------------------------------------------------------------------------------

def twine_upload(server, *files: Path, extra: tuple[str, ...] = ()):
    return run([TWINE, "upload", "--repository-url", server.upload_url, "-u", ADMIN[0], "-p", ADMIN[1],
                "--non-interactive", "--disable-progress-bar", *extra, *files])


def simple_json(server, name: str, credentials=READER) -> dict:
    """The PEP 691 project page, read directly (not through an installer)."""
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
    request = urllib.request.Request(f"{server.base_url}/simple/{name}/", headers={
        "Accept": "application/vnd.pypi.simple.v1+json", "Authorization": f"Basic {token}"})
    with _NO_PROXY_OPENER.open(request, timeout=10) as response:
        return json.load(response)


def stored_sha256(server, name: str) -> dict[str, str]:
    return {entry["filename"]: entry["hashes"].get("sha256") for entry in simple_json(server, name)["files"]}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_of(name: str) -> str:
    return name.replace("-", "_")


def imported_version(installer, name: str) -> str:
    """Import the module in the installer's venv; its ``__version__`` and where it came from."""
    module = module_of(name)
    result = installer.run_python(
        f"import {module}, sys; "
        f"assert {module}.__file__.startswith(sys.prefix), {module}.__file__; "
        f"print({module}.__version__, getattr({module}, 'BUILT_FROM', 'wheel'))")
    assert result.returncode == 0, describe(result)
    return result.stdout.strip()


def access_lines(log: str, method: str, path: str) -> list[str]:
    """Access-log lines (``host "METHOD path HTTP/x" status ...``) for one request path."""
    pattern = re.compile(rf'"{method} {re.escape(path)}(\?[^ ]*)? HTTP/[\d.]+" (\d{{3}})')
    return [line for line in log.splitlines() if pattern.search(line)]


def statuses(log: str, method: str, path: str) -> list[int]:
    pattern = re.compile(rf'"{method} {re.escape(path)}(\?[^ ]*)? HTTP/[\d.]+" (\d{{3}})')
    return [int(m.group(2)) for m in pattern.finditer(log)]


def file_path(name: str, filename: str) -> str:
    return f"/api/package/{name}/{filename}"


# -- packages for the install tests, published once with twine ------------------------------

WHEEL_PROJECT = "ppc-e2e-wheel"
SDIST_PROJECT = "ppc-e2e-sdist"
PYREQ_PROJECT = "ppc-e2e-pyreq"
KINDS = ("pip", "uv")


def metadata_project(kind: str) -> str:
    return f"ppc-e2e-meta-{kind}"


def private_project(kind: str) -> str:
    return f"ppc-e2e-private-{kind}"


@pytest.fixture(scope="session")
def published(server, dist_dir) -> dict[str, Path]:
    """Everything the install tests need, uploaded by one real twine run."""
    out = dist_dir / "install"
    out.mkdir()
    files = {
        WHEEL_PROJECT: dists.make_wheel(out, WHEEL_PROJECT, "1.0", summary="wheel only"),
        SDIST_PROJECT: dists.make_sdist(out, SDIST_PROJECT, "1.0", summary="sdist only"),
        f"{PYREQ_PROJECT}-1.0": dists.make_wheel(out, PYREQ_PROJECT, "1.0", requires_python=">=3.8"),
        f"{PYREQ_PROJECT}-2.0": dists.make_wheel(out, PYREQ_PROJECT, "2.0", requires_python=">=4"),
    }
    for kind in KINDS:
        files[metadata_project(kind)] = dists.make_wheel(out, metadata_project(kind), "1.0")
        files[private_project(kind)] = dists.make_wheel(out, private_project(kind), "1.0")
    result = twine_upload(server, *files.values())
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    return files


# -- publishing --------------------------------------------------------------------------------

def test_twine_uploads_wheel_and_sdist_and_reupload_of_same_file_fails_with_409(server, dist_dir):
    name = "ppc-e2e-twine"
    out = dist_dir / "twine"
    out.mkdir()
    wheel = dists.make_wheel(out, name, "1.0", summary="from twine", requires_python=">=3.8")
    sdist = dists.make_sdist(out, name, "1.0", summary="from twine", requires_python=">=3.8")

    first = twine_upload(server, wheel, sdist)
    assert first.returncode == 0, describe(first) + "\n" + server.tail()
    assert stored_sha256(server, name) == {wheel.name: sha256_of(wheel), sdist.name: sha256_of(sdist)}
    page = simple_json(server, name)
    assert {entry["requires-python"] for entry in page["files"]} == {">=3.8"}

    mark = server.log_mark()
    again = twine_upload(server, wheel)
    assert again.returncode != 0, describe(again)
    assert "409" in again.stdout + again.stderr, describe(again)
    assert statuses(server.log_since(mark), "POST", "/simple/") == [409]
    # Nothing was replaced.
    assert stored_sha256(server, name) == {wheel.name: sha256_of(wheel), sdist.name: sha256_of(sdist)}


# twine 6.2 (pypa/twine#1253) refuses --skip-existing for any repository URL other than
# PyPI's and TestPyPI's before sending anything; its decision on the server's answer
# (skip_upload: 409, or 400 "already exist") is unchanged. This runs twine's own CLI with
# only that client-side gate lifted, which is exactly what twine < 6.2 does.
_TWINE_WITHOUT_URL_GATE = (
    "import sys; from twine import settings, __main__; "
    "settings.Settings.verify_feature_capability = lambda self: None; "
    "sys.argv[0] = 'twine'; sys.exit(__main__.main())"
)


def test_twine_skip_existing_skips_files_already_stored_and_uploads_the_rest(server, dist_dir):
    name = "ppc-e2e-twine-skip"
    out = dist_dir / "twine-skip"
    out.mkdir()
    wheel = dists.make_wheel(out, name, "1.0")
    sdist = dists.make_sdist(out, name, "1.0")
    newer = dists.make_wheel(out, name, "1.1")
    first = twine_upload(server, wheel, sdist)
    assert first.returncode == 0, describe(first) + "\n" + server.tail()

    mark = server.log_mark()
    skipped = twine_upload(server, wheel, sdist, newer, extra=("--skip-existing",))
    output = skipped.stdout + skipped.stderr
    if skipped.returncode != 0 and "UnsupportedConfiguration" in output and "--skip-existing" in output:
        # twine >= 6.2: refused on the client, without a request to the server.
        assert not statuses(server.log_since(mark), "POST", "/simple/"), server.log_since(mark)
        skipped = run([sys.executable, "-c", _TWINE_WITHOUT_URL_GATE, "upload",
                       "--repository-url", server.upload_url, "-u", ADMIN[0], "-p", ADMIN[1],
                       "--non-interactive", "--disable-progress-bar", "--skip-existing",
                       wheel, sdist, newer])
        output = skipped.stdout + skipped.stderr
    assert skipped.returncode == 0, describe(skipped) + "\n" + server.tail()
    assert output.lower().count("skipping") == 2, describe(skipped)
    # (twine sends wheels before sdists, so compare without order)
    assert sorted(statuses(server.log_since(mark), "POST", "/simple/")) == [200, 409, 409]
    assert stored_sha256(server, name) == {
        wheel.name: sha256_of(wheel), sdist.name: sha256_of(sdist), newer.name: sha256_of(newer)}


def test_uv_publish_uploads_wheel_and_sdist_and_uv_installs_it(server, dist_dir, uv_installer):
    name = "ppc-e2e-uvpublish"
    out = dist_dir / "uv-publish"
    out.mkdir()
    wheel = dists.make_wheel(out, name, "1.0", summary="from uv publish")
    sdist = dists.make_sdist(out, name, "1.0", summary="from uv publish")

    result = run([UV, "publish", "--publish-url", server.upload_url, "-u", ADMIN[0], "-p", ADMIN[1],
                  wheel, sdist])
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    assert stored_sha256(server, name) == {wheel.name: sha256_of(wheel), sdist.name: sha256_of(sdist)}

    # And what uv published, uv installs.
    installed = uv_installer.install(server.index_url(), name)
    assert installed.returncode == 0, describe(installed)
    assert imported_version(uv_installer, name) == "1.0 wheel"


# -- installing --------------------------------------------------------------------------------

def test_installer_installs_wheel_with_credentials_in_index_url(server, published, installer):
    result = installer.install(server.index_url(), WHEEL_PROJECT)
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    assert imported_version(installer, WHEEL_PROJECT) == "1.0 wheel"


def test_installer_builds_and_installs_sdist_only_project_with_build_isolation(server, published, installer):
    mark = server.log_mark()
    result = installer.install(server.index_url(), SDIST_PROJECT)
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    # The module came from the sdist's own in-tree backend, not from some wheel.
    assert imported_version(installer, SDIST_PROJECT) == "1.0 sdist"
    if installer.kind == "pip":
        # Through PEP 517 (isolation is on: no --no-build-isolation), asking the in-tree
        # backend for its build requirements, which are none, so only our index is used.
        assert "Getting requirements to build wheel" in result.stdout, describe(result)
        assert f"Building wheel for {SDIST_PROJECT} (pyproject.toml)" in result.stdout, describe(result)
    sdist = published[SDIST_PROJECT]
    assert 200 in statuses(server.log_since(mark), "GET", file_path(SDIST_PROJECT, sdist.name))


def test_installer_honours_requires_python_and_picks_1_0_over_2_0(server, published, installer):
    page = simple_json(server, PYREQ_PROJECT)
    assert {entry["filename"]: entry["requires-python"] for entry in page["files"]} == {
        dists.wheel_filename(PYREQ_PROJECT, "1.0"): ">=3.8",
        dists.wheel_filename(PYREQ_PROJECT, "2.0"): ">=4",
    }
    mark = server.log_mark()
    result = installer.install(server.index_url(), PYREQ_PROJECT)
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    assert imported_version(installer, PYREQ_PROJECT) == "1.0 wheel"
    log = server.log_since(mark)
    # 2.0 was skipped from the index page alone: neither it nor its metadata was fetched.
    assert not access_lines(log, "GET", file_path(PYREQ_PROJECT, dists.wheel_filename(PYREQ_PROJECT, "2.0")))
    assert not access_lines(log, "GET",
                            file_path(PYREQ_PROJECT, dists.wheel_filename(PYREQ_PROJECT, "2.0") + ".metadata"))


def test_installer_fetches_pep_658_metadata_of_the_wheel(server, published, installer):
    name = metadata_project(installer.kind)
    wheel = published[name]
    mark = server.log_mark()
    result = installer.install(server.index_url(), name)
    assert result.returncode == 0, describe(result) + "\n" + server.tail()
    assert imported_version(installer, name) == "1.0 wheel"
    log = server.log_since(mark)
    assert statuses(log, "GET", file_path(name, wheel.name + ".metadata")) == [200], log
    assert 200 in statuses(log, "GET", file_path(name, wheel.name)), log


def test_anonymous_install_from_private_index_fails_with_401_and_authenticated_install_works(
        server, published, installer):
    name = private_project(installer.kind)
    mark = server.log_mark()
    anonymous = installer.install(server.index_url(None), name)
    assert anonymous.returncode != 0, describe(anonymous)
    log = server.log_since(mark)
    assert statuses(log, "GET", f"/simple/{name}/") and set(statuses(log, "GET", f"/simple/{name}/")) == {401}, log
    assert not access_lines(log, "GET", file_path(name, published[name].name)), log
    not_installed = installer.run_python(f"import {module_of(name)}")
    assert not_installed.returncode != 0

    authenticated = installer.install(server.index_url(READER), name)
    assert authenticated.returncode == 0, describe(authenticated) + "\n" + server.tail()
    assert imported_version(installer, name) == "1.0 wheel"
