"""Fixtures for the storage and cache tests: a fresh database per server per test session.

PostgreSQL and MariaDB must be running (CI starts them). An unreachable server FAILS the
tests that need it instead of skipping them: a skipped test proves nothing. The admin
URLs can be overridden with PPC_TEST_PG_ADMIN_URL and PPC_TEST_MYSQL_ADMIN_URL.
"""

from __future__ import annotations

import os
import re
import secrets
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from ppc_shared.cache.sql import SQLCache
from ppc_shared.settings import RawSettings

PG_ADMIN_URL = os.environ.get("PPC_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN_URL = os.environ.get("PPC_TEST_MYSQL_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/test")

_OUR_DATABASE = re.compile(r"^ppc_test_(\d+)_[0-9a-f]{8}$")


def unique_database_name() -> str:
    return f"ppc_test_{os.getpid()}_{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def admin_engine(kind: str) -> Engine:
    """An AUTOCOMMIT engine on the server's admin database; fails the test if unreachable."""
    url = PG_ADMIN_URL if kind == "postgresql" else MYSQL_ADMIN_URL
    connect_args = {"connect_timeout": 5}
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args=connect_args)
    problem = None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server is fatal here
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if problem is not None:
        engine.dispose()
        pytest.fail(
            f"{kind} is not reachable at {make_url(url).render_as_string(hide_password=True)}: "
            f"{problem}\nThese tests need the server running (CI starts it); they fail rather "
            "than skip.",
            pytrace=False,
        )
    return engine


def _drop_stale(engine: Engine, kind: str) -> None:
    """Drop databases left by earlier runs whose process is gone (a killed run)."""
    query = ("SELECT datname FROM pg_database" if kind == "postgresql" else "SHOW DATABASES")
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(text(query))]
        for name in names:
            match = _OUR_DATABASE.match(name)
            if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
                _drop(conn, kind, name)


def _drop(conn, kind: str, name: str) -> None:
    if kind == "postgresql":
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))


def _server_database(kind: str, charset: str | None = None) -> Iterator[str]:
    engine = admin_engine(kind)
    name = unique_database_name()
    try:
        _drop_stale(engine, kind)
        with engine.connect() as conn:
            if kind == "postgresql":
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                extra = f" CHARACTER SET {charset}" if charset else ""
                conn.execute(text(f"CREATE DATABASE `{name}`{extra}"))
        if kind == "postgresql":
            url = make_url(PG_ADMIN_URL).set(database=name)
        else:
            url = make_url(MYSQL_ADMIN_URL).set(database=name, query={"charset": "utf8mb4"})
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            with engine.connect() as conn:
                _drop(conn, kind, name)
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    yield from _server_database("postgresql")


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """A fresh MariaDB/MySQL database (server default charset) for this session."""
    yield from _server_database("mysql")


@pytest.fixture(scope="session")
def mysql_latin1_url() -> Iterator[str]:
    """A MariaDB database whose default character set is latin1, as upstream MySQL and
    MariaDB create them unless configured otherwise (where many 1.x caches live)."""
    yield from _server_database("mysql", charset="latin1")


CACHE_BACKENDS = ("sqlite", "postgresql", "mysql")


@pytest.fixture(params=CACHE_BACKENDS)
def cache_url(request, tmp_path) -> str:
    """A SQL cache URL on each backend: a temp SQLite file, the session's PostgreSQL and
    MariaDB databases. Tests that use it on a server start from an empty table (see
    `sql_cache`); they must not leave other tables behind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cache.sqlite'}"
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return request.getfixturevalue("mysql_url")


def cache_settings(url: str, **extra: str) -> RawSettings:
    return RawSettings({"db.url": url, **{k.replace("__", "."): v for k, v in extra.items()}}, env={})


@pytest.fixture
def make_sql_cache():
    """Build SQLCaches from settings; every one is closed at the end of the test."""
    built: list[SQLCache] = []

    def build(url: str, **extra: str) -> SQLCache:
        cache = SQLCache.from_settings(cache_settings(url, **extra))
        built.append(cache)
        return cache

    yield build
    for cache in built:
        cache.close()


@pytest.fixture
def sql_cache(cache_url, make_sql_cache) -> SQLCache:
    """An empty SQL cache on each backend (the shared server table is cleared first)."""
    cache = make_sql_cache(cache_url)
    cache.clear_all()
    return cache
