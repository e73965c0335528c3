"""The mutable SQL access backend on SQLAlchemy 2 Core: SQLite, PostgreSQL, MySQL/MariaDB.

Same tables and columns as 1.x's ``SQLAccessBackend`` (``pypicloud_users``, ...), so a
1.x access database keeps working. Package names are PEP 503-normalised on write and
on lookup (1.x stored them as typed and never matched the normalised name it asked
with). The whole ACL is read in one snapshot, kept until the ``acl`` change generation
moves on (every write here moves it), so permission checks on the hot path run no SQL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from passlib.context import CryptContext
from sqlalchemy import (
    Boolean, Column, MetaData, String, Table, Text, and_, delete, insert, select, text, update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..cache.sql import create_sql_engine
from ..changes import ACL
from ..errors import Conflict, NotFound, SettingsError
from ..names import normalize_name
from ..passwords import context_from_settings, hash_password, verify_password
from ..settings import RawSettings
from .base import (
    READ, WRITE, MutableAccessBackend, PackageACL, validate_group, validate_password,
    validate_permission, validate_username,
)

metadata = MetaData()
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
users = Table(
    "pypicloud_users", metadata,
    Column("username", String(255), primary_key=True),
    Column("password", Text(), nullable=False),
    Column("admin", Boolean(), nullable=False),
    Column("pending", Boolean(), nullable=False),
    **_MYSQL,
)
groups = Table(
    "pypicloud_groups", metadata,
    Column("name", String(255), primary_key=True),
    **_MYSQL,
)
user_groups = Table(
    "pypicloud_user_groups", metadata,
    Column("username", String(255), primary_key=True),
    Column("group", String(255), primary_key=True),
    **_MYSQL,
)
user_permissions = Table(
    "pypicloud_user_permissions", metadata,
    Column("package", String(255), primary_key=True),
    Column("username", String(255), primary_key=True),
    Column("read", Boolean()),
    Column("write", Boolean()),
    **_MYSQL,
)
# No foreign key to groups: ``everyone`` and ``authenticated`` get permissions too.
group_permissions = Table(
    "pypicloud_group_permissions", metadata,
    Column("package", String(255), primary_key=True),
    Column("groupname", String(255), primary_key=True),
    Column("read", Boolean()),
    Column("write", Boolean()),
    **_MYSQL,
)
keyvals = Table(
    "pypicloud_keyvals", metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text()),
    **_MYSQL,
)

# A snapshot is also re-read after this long, in case a process that does not share our
# change feed wrote the database.
SNAPSHOT_MAX_AGE_SECONDS = 5.0


class SQLAccessBackend(MutableAccessBackend):
    def __init__(self, engine: Engine, context: CryptContext):
        self.engine = engine
        self._context = context
        self._lock = threading.Lock()
        self._snapshot: tuple[object, float, dict[str, PackageACL]] | None = None
        self.changes = None
        metadata.create_all(engine)

    @classmethod
    def from_settings(cls, raw: RawSettings) -> "SQLAccessBackend":
        url = raw.str("auth.db.url", required=True)
        engine = create_sql_engine(url, "auth.db.url", raw.str("auth.db.poolclass"))
        context = context_from_settings(raw)
        try:
            return cls(engine, context)
        except SQLAlchemyError as exc:
            raise SettingsError("auth.db.url",
                                f"cannot open the access database: {exc.orig or exc}".splitlines()[0]) from None

    # -- plumbing -----------------------------------------------------------------------
    def _changed(self) -> None:
        self._snapshot = None
        if self.changes is not None:
            self.changes.notify(ACL)

    def _generation(self) -> object:
        return self.changes.generation(ACL) if self.changes is not None else None

    def _user_row(self, conn, username: str):
        return conn.execute(select(users).where(users.c.username == username)).first()

    def _require_user(self, conn, username: str, *, pending: bool | None = False):
        row = self._user_row(conn, username)
        if row is None or (pending is not None and bool(row.pending) != pending):
            raise NotFound(f"no {'pending ' if pending else ''}user named {username!r}")
        return row

    def _group_exists(self, conn, group: str) -> bool:
        return conn.execute(select(groups.c.name).where(groups.c.name == group)).first() is not None

    # -- reads --------------------------------------------------------------------------
    def verify_user(self, username: str, password: str) -> bool:
        with self.engine.connect() as conn:
            row = self._user_row(conn, username)
        if row is None or row.pending:
            # Hash anyway, so that timing does not tell which user names exist.
            self._context.dummy_verify()
            return False
        return verify_password(self._context, password, row.password)

    def password_hash(self, username: str) -> str | None:
        with self.engine.connect() as conn:
            row = self._user_row(conn, username)
        return row.password if row is not None else None

    def groups(self, username: str | None = None) -> list[str]:
        with self.engine.connect() as conn:
            if username is None:
                return sorted(conn.execute(select(groups.c.name)).scalars())
            return sorted(conn.execute(select(user_groups.c.group).where(user_groups.c.username == username)).scalars())

    def group_members(self, group: str) -> list[str]:
        query = (select(user_groups.c.username)
                 .join(users, users.c.username == user_groups.c.username)
                 .where(and_(user_groups.c.group == group, users.c.pending.is_(False))))
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def is_admin(self, username: str) -> bool:
        with self.engine.connect() as conn:
            row = self._user_row(conn, username)
        return bool(row is not None and row.admin and not row.pending)

    def user_data(self, username: str | None = None) -> Any:
        with self.engine.connect() as conn:
            if username is None:
                rows = conn.execute(select(users).where(users.c.pending.is_(False)).order_by(users.c.username))
                return [{"username": row.username, "admin": bool(row.admin)} for row in rows]
            row = self._user_row(conn, username)
        if row is None or row.pending:
            return None
        return {"username": row.username, "admin": bool(row.admin), "groups": self.groups(username)}

    def package_acls(self) -> dict[str, PackageACL]:
        generation = self._generation()
        snapshot = self._snapshot
        if snapshot is not None and snapshot[0] == generation and time.monotonic() < snapshot[1]:
            return snapshot[2]
        acls: dict[str, PackageACL] = {}
        with self.engine.connect() as conn:
            for table, column, kind in ((user_permissions, user_permissions.c.username, "users"),
                                        (group_permissions, group_permissions.c.groupname, "groups")):
                for row in conn.execute(select(table.c.package, column, table.c.read, table.c.write)):
                    perms = ({READ} if row.read else set()) | ({WRITE} if row.write else set())
                    if not perms:
                        continue
                    # Rows written by 1.x hold the name as typed.
                    acl = acls.setdefault(normalize_name(row.package), PackageACL())
                    target = getattr(acl, kind)
                    target[row[1]] = target.get(row[1], set()) | perms
        self._snapshot = (generation, time.monotonic() + SNAPSHOT_MAX_AGE_SECONDS, acls)
        return acls

    def allow_register(self) -> bool:
        with self.engine.connect() as conn:
            value = conn.execute(select(keyvals.c.value).where(keyvals.c.key == "allow_register")).scalar()
        return value == "true"

    def pending_users(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(users.c.username).where(users.c.pending.is_(True))).scalars())

    def need_admin(self) -> bool:
        with self.engine.connect() as conn:
            query = select(users.c.username).where(and_(users.c.admin.is_(True), users.c.pending.is_(False)))
            return conn.execute(query.limit(1)).first() is None

    def check_health(self) -> tuple[bool, str]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return False, f"access database unreachable: {type(exc.orig or exc).__name__}"
        return True, ""

    def close(self) -> None:
        self.engine.dispose()

    # -- writes -------------------------------------------------------------------------
    def set_allow_register(self, allow: bool) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(keyvals).where(keyvals.c.key == "allow_register"))
            if allow:
                conn.execute(insert(keyvals).values(key="allow_register", value="true"))
        self._changed()

    def create_user(self, username: str, password: str | None = None, *, password_hash: str | None = None,
                    admin: bool = False, pending: bool = False) -> None:
        validate_username(username)
        if password_hash is None:
            password_hash = hash_password(self._context, validate_password(password))
        try:
            with self._lock, self.engine.begin() as conn:
                if self._user_row(conn, username) is not None:
                    raise Conflict(f"a user named {username!r} exists")
                conn.execute(insert(users).values(username=username, password=password_hash,
                                                  admin=bool(admin), pending=bool(pending)))
        except IntegrityError:  # a concurrent create of the same name
            raise Conflict(f"a user named {username!r} exists") from None
        self._changed()

    def approve_user(self, username: str) -> None:
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username, pending=True)
            conn.execute(update(users).where(users.c.username == username).values(pending=False))
        self._changed()

    def delete_user(self, username: str) -> None:
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username, pending=None)
            conn.execute(delete(user_groups).where(user_groups.c.username == username))
            conn.execute(delete(user_permissions).where(user_permissions.c.username == username))
            conn.execute(delete(users).where(users.c.username == username))
        self._changed()

    def set_password(self, username: str, password: str) -> None:
        self.set_password_hash(username, hash_password(self._context, validate_password(password)))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username, pending=None)
            conn.execute(update(users).where(users.c.username == username).values(password=password_hash))
        self._changed()

    def set_admin(self, username: str, admin: bool) -> None:
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username)
            conn.execute(update(users).where(users.c.username == username).values(admin=bool(admin)))
        self._changed()

    def create_group(self, group: str) -> None:
        validate_group(group)
        try:
            with self._lock, self.engine.begin() as conn:
                if self._group_exists(conn, group):
                    raise Conflict(f"a group named {group!r} exists")
                conn.execute(insert(groups).values(name=group))
        except IntegrityError:
            raise Conflict(f"a group named {group!r} exists") from None
        self._changed()

    def delete_group(self, group: str) -> None:
        with self._lock, self.engine.begin() as conn:
            if not self._group_exists(conn, group):
                raise NotFound(f"no group named {group!r}")
            conn.execute(delete(user_groups).where(user_groups.c.group == group))
            conn.execute(delete(group_permissions).where(group_permissions.c.groupname == group))
            conn.execute(delete(groups).where(groups.c.name == group))
        self._changed()

    def edit_user_group(self, username: str, group: str, add: bool) -> None:
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username, pending=None)
            if not self._group_exists(conn, group):
                raise NotFound(f"no group named {group!r}")
            member = conn.execute(select(user_groups.c.username).where(
                and_(user_groups.c.username == username, user_groups.c.group == group))).first() is not None
            if add and member:
                raise Conflict(f"{username!r} is already a member of {group!r}")
            if not add and not member:
                raise NotFound(f"{username!r} is not a member of {group!r}")
            if add:
                conn.execute(insert(user_groups).values(username=username, group=group))
            else:
                conn.execute(delete(user_groups).where(
                    and_(user_groups.c.username == username, user_groups.c.group == group)))
        self._changed()

    def edit_user_permission(self, package: str, username: str, perm: str, add: bool) -> None:
        validate_permission(perm)
        with self._lock, self.engine.begin() as conn:
            self._require_user(conn, username, pending=None)
            self._edit_permission(conn, user_permissions, user_permissions.c.username, package, username, perm, add)
        self._changed()

    def edit_group_permission(self, package: str, group: str, perm: str, add: bool) -> None:
        validate_permission(perm)
        with self._lock, self.engine.begin() as conn:
            if group not in ("everyone", "authenticated") and not self._group_exists(conn, group):
                raise NotFound(f"no group named {group!r}")
            self._edit_permission(conn, group_permissions, group_permissions.c.groupname, package, group, perm, add)
        self._changed()

    @staticmethod
    def _edit_permission(conn, table: Table, column, package: str, principal: str, perm: str, add: bool) -> None:
        from ..names import validate_name

        package = validate_name(package)
        where = and_(table.c.package == package, column == principal)
        row = conn.execute(select(table.c.read, table.c.write).where(where)).first()
        current = {READ: bool(row.read), WRITE: bool(row.write)} if row is not None else {READ: False, WRITE: False}
        current[perm] = add
        if row is None:
            if add:
                conn.execute(insert(table).values(package=package, **{column.name: principal},
                                                  read=current[READ], write=current[WRITE]))
        elif not current[READ] and not current[WRITE]:
            conn.execute(delete(table).where(where))
        else:
            conn.execute(update(table).where(where).values(read=current[READ], write=current[WRITE]))
