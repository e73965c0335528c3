"""The SQL cache on SQLAlchemy 2 Core: SQLite (default), PostgreSQL, MySQL/MariaDB.

Same table as 1.x (``packages``: filename, name, version, last_modified, summary, data)
so the schema stays familiar; what we add lives in the JSON ``data`` column.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import (
    Column, DateTime, MetaData, String, Table, Text, create_engine, delete, event, func,
    select, text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from ..errors import SettingsError
from ..models import PackageFile, ProjectSummary
from ..settings import RawSettings
from .base import Cache

BATCH = 1000


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every dialect (SQLite and MySQL keep none)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


metadata = MetaData()
packages = Table(
    "packages",
    metadata,
    Column("filename", String(255), primary_key=True),
    Column("name", String(255), index=True, nullable=False),
    Column("version", String(1000), nullable=False),
    Column("last_modified", UTCDateTime(), index=True, nullable=False),
    Column("summary", Text(), nullable=True),
    Column("data", Text(), nullable=False, default="{}"),
    # MySQL/MariaDB: utf8mb4 whatever the database's default (often latin1, which cannot
    # hold emoji or CJK summaries), and a binary collation so that filenames compare
    # exactly as they do in storage and on the other databases.
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)


def _row_to_package(row) -> PackageFile:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        data = {}
    return PackageFile(
        name=row.name,
        version=row.version,
        filename=row.filename,
        last_modified=row.last_modified,
        summary=row.summary or "",
        metadata=data if isinstance(data, dict) else {},
    )


def _package_to_row(package: PackageFile) -> dict:
    return {
        "filename": package.filename,
        "name": package.name,
        "version": package.version,
        "last_modified": package.last_modified,
        "summary": package.summary,
        "data": json.dumps(package.metadata, sort_keys=True),
    }


def _resolve_poolclass(path: str):
    module_name, _, attr = path.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[attr])
        return getattr(module, attr)
    except (ImportError, AttributeError, ValueError):
        raise SettingsError("db.poolclass", f"cannot load pool class {path!r}") from None


def create_sql_engine(url: str, key: str, poolclass: str | None = None) -> Engine:
    """An engine for ``url``; 1.x-style ``mysql://`` URLs use the pure-Python PyMySQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(key, f"not a database URL: {url!r}") from None
    if parsed.drivername == "mysql":
        parsed = parsed.set(drivername="mysql+pymysql")
    kwargs: dict = {"future": True}
    if poolclass:
        kwargs["poolclass"] = _resolve_poolclass(poolclass)
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise SettingsError(key, f"cannot use {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers go on while a rebuild or upload writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
    return engine


class SQLCache(Cache):
    def __init__(self, engine: Engine, graceful_reload: bool = False):
        self.engine = engine
        self.graceful_reload = graceful_reload
        self._write_lock = threading.Lock()
        metadata.create_all(engine)

    @classmethod
    def from_settings(cls, raw: RawSettings) -> "SQLCache":
        url = raw.str("db.url", required=True)
        engine = create_sql_engine(url, "db.url", raw.str("db.poolclass"))
        try:
            return cls(engine, graceful_reload=raw.bool("db.graceful_reload", False))
        except SQLAlchemyError as exc:
            raise SettingsError("db.url", f"cannot open the cache database: {exc.orig or exc}".splitlines()[0]) from None

    # -- reads ----------------------------------------------------------------------------
    def fetch(self, filename: str) -> PackageFile | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(packages).where(packages.c.filename == filename)).first()
        return _row_to_package(row) if row else None

    def files(self, name: str) -> list[PackageFile]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(packages).where(packages.c.name == name)).all()
        return [_row_to_package(row) for row in rows]

    def project_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(packages.c.name).distinct()).scalars())

    def all_files(self) -> list[PackageFile]:
        with self.engine.connect() as conn:
            return [_row_to_package(row) for row in conn.execute(select(packages))]

    def summaries(self) -> list[ProjectSummary]:
        latest = (
            select(packages.c.name, func.max(packages.c.last_modified).label("last_modified"))
            .group_by(packages.c.name)
            .subquery()
        )
        query = select(packages.c.name, packages.c.summary, packages.c.last_modified).join(
            latest,
            (packages.c.name == latest.c.name) & (packages.c.last_modified == latest.c.last_modified),
        )
        found: dict[str, ProjectSummary] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found[row.name] = ProjectSummary(row.name, row.summary or "", row.last_modified)
        return sorted(found.values(), key=lambda s: s.name)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(packages.c.filename).limit(1)).first() is None

    # -- writes ---------------------------------------------------------------------------
    def save(self, package: PackageFile) -> None:
        self.save_many([package])

    def save_many(self, packages_to_save: Iterable[PackageFile]) -> int:
        # One row per filename, the last one saved winning (as saving them one by one
        # would): a 1.x storage directory can hold a filename twice.
        rows = list({p.filename: _package_to_row(p) for p in packages_to_save}.values())
        with self._write_lock, self.engine.begin() as conn:
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                conn.execute(delete(packages).where(packages.c.filename.in_([r["filename"] for r in batch])))
                conn.execute(packages.insert(), batch)
        return len(rows)

    def remove(self, package: PackageFile) -> None:
        self.remove_many([package.filename])

    def remove_many(self, filenames: Iterable[str]) -> None:
        names = list(filenames)
        with self._write_lock, self.engine.begin() as conn:
            for start in range(0, len(names), BATCH):
                conn.execute(delete(packages).where(packages.c.filename.in_(names[start:start + BATCH])))

    def clear_all(self) -> None:
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(delete(packages))

    def check_health(self) -> tuple[bool, str]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return False, f"cache database unreachable: {type(exc.orig or exc).__name__}"
        return True, ""

    def close(self) -> None:
        self.engine.dispose()
