"""auth-api fixtures: an app on the SQL access backend (SQLite in a temp directory) with
one admin, and helpers to call it as that admin."""

from __future__ import annotations

import pytest

from ppc_shared.changes import ChangeFeed
from ppc_shared.wiring import load_backends
from tests.conftest import basic_auth

ROOT = ("root", "root-secret")
SIGNING_KEY = "test-signing-key"


@pytest.fixture
def make_auth_settings(make_settings, tmp_path):
    def build(**overrides):
        values = {"pypi__auth": "sql", "auth__db__url": f"sqlite:///{tmp_path / 'auth.sqlite'}",
                  "auth__signing_key": SIGNING_KEY, "auth__scheme": "sha256_crypt", "auth__rounds": "1000",
                  "session__encrypt_key": "enc", "session__validate_key": "val"}
        values.update(overrides)
        return make_settings(**values)

    return build


@pytest.fixture
def make_auth_app():
    from ppc_auth import create_app

    built = []

    def build(settings, backends=None):
        backends = backends or load_backends(settings, changes=ChangeFeed())
        built.append(backends)
        app = create_app(settings, backends)
        app.config["TESTING"] = True
        return app

    yield build
    for backends in built:
        backends.close()


@pytest.fixture
def auth_app(make_auth_app, make_auth_settings):
    app = make_auth_app(make_auth_settings())
    app.extensions["ppc"].access.create_user(ROOT[0], ROOT[1], admin=True)
    return app


@pytest.fixture
def auth_client(auth_app):
    return auth_app.test_client()


@pytest.fixture
def root_auth():
    return basic_auth(*ROOT)


@pytest.fixture
def sql_access(auth_app):
    return auth_app.extensions["ppc"].access
