"""Shared fixtures: settings on a temp directory, an app and client per test, built
distributions, and the docs' config-file users (stevearc / dsa / donlan)."""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

import pytest

from ppc_shared.changes import ChangeFeed
from ppc_shared.passwords import hash_password, make_context
from ppc_shared.settings import Settings
from ppc_shared.wiring import load_backends

from . import dists

# Low rounds: tests verify many passwords, and the scheme is what is under test.
TEST_CONTEXT = make_context("sha256_crypt", 1000)


@functools.lru_cache(maxsize=None)
def password_hash(password: str) -> str:
    return hash_password(TEST_CONTEXT, password)


def basic_auth(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# The docs' example (Access Control → Config File), with their passwords.
DOCS_USERS = {"stevearc": "gunface", "dsa": "paranoia", "donlan": "osptony"}


def docs_acl_settings() -> dict[str, str]:
    return {
        **{f"user.{name}": password_hash(password) for name, password in DOCS_USERS.items()},
        "group.sharkfest": "stevearc dsa",
        "group.brotatos": "donlan dsa",
        "package.django_unchained.user.stevearc": "rw",
        "package.django_unchained.group.sharkfest": "rw",
        "package.polite_requests.user.dsa": "rw",
        "package.polite_requests.group.authenticated": "r",
        "package.polite_requests.group.brotatos": "rw",
        "package.pyramid_head.group.brotatos": "rw",
        "package.pyramid_head.group.everyone": "r",
    }


ADMIN = ("admin", "admin-secret")


@pytest.fixture
def make_settings(tmp_path: Path):
    """Settings for a temp storage directory and SQLite cache; keys override."""

    def build(**overrides: str) -> Settings:
        values = {
            "pypi.storage": "file",
            "storage.dir": str(tmp_path / "packages"),
            "pypi.db": "sql",
            "db.url": f"sqlite:///{tmp_path / 'cache.sqlite'}",
            "pypi.fallback": "none",
            "auth.admins": ADMIN[0],
            f"user.{ADMIN[0]}": password_hash(ADMIN[1]),
            **docs_acl_settings(),
        }
        values.update({key.replace("__", "."): value for key, value in overrides.items()})
        return Settings.from_dict(values, here=str(tmp_path))

    return build


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def make_app():
    """An index-api app for given settings, with in-process change generations."""
    from ppc_index import create_app

    built = []

    def build(settings: Settings):
        backends = load_backends(settings, changes=ChangeFeed())
        built.append(backends)
        app = create_app(settings, backends)
        app.config["TESTING"] = True
        return app

    yield build
    for backends in built:
        backends.close()


@pytest.fixture
def app(make_app, settings):
    return make_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_auth() -> dict[str, str]:
    return basic_auth(*ADMIN)


def upload_fields(filename: str, data: bytes, **fields: str) -> dict:
    """The multipart fields twine sends for one file."""
    import io

    parsed_name, _, rest = filename.partition("-")
    version = rest.split("-")[0].removesuffix(".tar.gz")
    form = {
        ":action": "file_upload",
        "protocol_version": "1",
        "name": parsed_name,
        "version": version,
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "md5_digest": hashlib.md5(data).hexdigest(),
        **fields,
        "content": (io.BytesIO(data), filename),
    }
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def upload(client, admin_auth):
    """Upload a built distribution through the legacy API as the admin."""

    def do(filename: str, data: bytes, *, headers: dict | None = None, path: str = "/simple/", **fields):
        return client.post(path, data=upload_fields(filename, data, **fields),
                           headers=headers if headers is not None else admin_auth,
                           content_type="multipart/form-data")

    return do


@pytest.fixture
def wheel():
    return dists.wheel_bytes


@pytest.fixture
def sdist():
    return dists.sdist_bytes
