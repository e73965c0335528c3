"""The access-backend interface: 1.x's IAccessBackend primitives (the same ones its
remote-access protocol exposes), plus a whole-ACL snapshot so that lists of many packages
are filtered in one pass instead of one lookup per name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadRequest, Forbidden
from ..names import normalize_name
from ..passwords import MAX_PASSWORD_LENGTH
from ..settings import RawSettings

READ = "read"
WRITE = "write"


@dataclass
class PackageACL:
    """Explicit entries of one package: principal name → permissions."""

    users: dict[str, set[str]] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.users or self.groups)


def parse_permission(text: str) -> set[str]:
    """1.x's ``r`` / ``rw`` / ``w`` notation."""
    perms = set()
    if "r" in text:
        perms.add(READ)
    if "w" in text:
        perms.add(WRITE)
    return perms


class AccessBackend(ABC):
    @classmethod
    @abstractmethod
    def from_settings(cls, raw: RawSettings) -> "AccessBackend": ...

    @abstractmethod
    def verify_user(self, username: str, password: str) -> bool: ...

    @abstractmethod
    def groups(self, username: str | None = None) -> list[str]:
        """All groups, or the groups of one user."""

    @abstractmethod
    def group_members(self, group: str) -> list[str]: ...

    @abstractmethod
    def is_admin(self, username: str) -> bool: ...

    @abstractmethod
    def package_acls(self) -> dict[str, PackageACL]:
        """Every package with explicit entries, by normalised name."""

    @abstractmethod
    def user_data(self, username: str | None = None) -> Any: ...

    def user_exists(self, username: str) -> bool:
        return self.user_data(username) is not None

    def package_acl(self, package: str) -> PackageACL:
        return self.package_acls().get(package) or PackageACL()

    def check_health(self) -> tuple[bool, str]:
        return True, ""

    def close(self) -> None:
        """Release connections (tests and shutdown)."""

    def password_hash(self, username: str) -> str | None:
        """The stored hash, for dumps; None where the backend cannot tell (remote)."""
        return None

    def use_change_feed(self, changes) -> None:
        """Where ACL changes are announced (topic ``acl``); snapshot caches key on it."""
        self.changes = changes

    # The remote-access protocol's views (module functions below).
    def user_permissions(self, package: str) -> dict[str, list[str]]:
        return user_permissions(self, package)

    def group_permissions(self, package: str) -> dict[str, list[str]]:
        return group_permissions(self, package)

    def user_package_permissions(self, username: str) -> list[dict]:
        return user_package_permissions(self, username)

    def group_package_permissions(self, group: str) -> list[dict]:
        return group_package_permissions(self, group)

    def dump(self) -> dict:
        return dump_acl(self)


# -- the remote-access protocol's per-package and per-principal views, derived from the
# snapshot so every backend answers them the same way (names normalised on lookup) ------
def _perm_list(perms) -> list[str]:
    return [perm for perm in (READ, WRITE) if perm in perms]


def user_permissions(backend: AccessBackend, package: str) -> dict[str, list[str]]:
    acl = backend.package_acls().get(normalize_name(package)) or PackageACL()
    return {name: _perm_list(perms) for name, perms in sorted(acl.users.items()) if perms}


def group_permissions(backend: AccessBackend, package: str) -> dict[str, list[str]]:
    acl = backend.package_acls().get(normalize_name(package)) or PackageACL()
    return {name: _perm_list(perms) for name, perms in sorted(acl.groups.items()) if perms}


def user_package_permissions(backend: AccessBackend, username: str) -> list[dict]:
    return [{"package": package, "permissions": _perm_list(acl.users[username])}
            for package, acl in sorted(backend.package_acls().items())
            if acl.users.get(username)]


def group_package_permissions(backend: AccessBackend, group: str) -> list[dict]:
    return [{"package": package, "permissions": _perm_list(acl.groups[group])}
            for package, acl in sorted(backend.package_acls().items())
            if acl.groups.get(group)]


DUMP_VERSION = "2"


def dump_acl(backend: AccessBackend) -> dict:
    """The whole ACL in 1.x's dump format (ppc-export, ``/admin/acl.json.gz``)."""
    mutable = isinstance(backend, MutableAccessBackend)
    users = []
    for entry in backend.user_data() or []:
        username = entry["username"]
        users.append({"username": username, "admin": bool(entry.get("admin")),
                      "password": backend.password_hash(username),
                      "groups": backend.groups(username)})
    pending = [{"username": name, "password": backend.password_hash(name)}
               for name in (backend.pending_users() if mutable else [])]
    groups = {group: sorted(backend.group_members(group)) for group in backend.groups()}
    packages: dict[str, dict] = {"users": {}, "groups": {}}
    for package, acl in sorted(backend.package_acls().items()):
        if acl.users:
            packages["users"][package] = {name: _perm_list(p) for name, p in sorted(acl.users.items()) if p}
        if acl.groups:
            packages["groups"][package] = {name: _perm_list(p) for name, p in sorted(acl.groups.items()) if p}
    return {
        "allow_register": backend.allow_register() if mutable else False,
        "version": DUMP_VERSION,
        "users": users,
        "pending_users": pending,
        "groups": groups,
        "packages": packages,
    }


class MutableAccessBackend(AccessBackend):
    """An access backend the admin API can change (1.x's IMutableAccessBackend).

    Writes raise the domain errors (`NotFound`, `Conflict`, `BadRequest`) the API layer
    maps to status codes, and every write moves the ``acl`` change generation on, so
    every cache of ACL answers is dropped at once.
    """

    # -- registration -------------------------------------------------------------------
    @abstractmethod
    def allow_register(self) -> bool: ...

    @abstractmethod
    def set_allow_register(self, allow: bool) -> None: ...

    @abstractmethod
    def pending_users(self) -> list[str]: ...

    @abstractmethod
    def approve_user(self, username: str) -> None: ...

    def need_admin(self) -> bool:
        """True while no admin exists: the next registered user becomes one."""
        return not any(entry.get("admin") for entry in self.user_data() or [])

    def register(self, username: str, password: str) -> bool:
        """Self-registration; True when the user became the (first) admin at once."""
        if self.need_admin():
            self.create_user(username, password, admin=True)
            return True
        if not self.allow_register():
            raise Forbidden("registration is closed on this server")
        self.create_user(username, password, pending=True)
        return False

    # -- users --------------------------------------------------------------------------
    @abstractmethod
    def create_user(self, username: str, password: str | None = None, *, password_hash: str | None = None,
                    admin: bool = False, pending: bool = False) -> None:
        """Raises Conflict when the name is taken (pending users included)."""

    @abstractmethod
    def delete_user(self, username: str) -> None: ...

    @abstractmethod
    def set_password(self, username: str, password: str) -> None: ...

    @abstractmethod
    def set_password_hash(self, username: str, password_hash: str) -> None: ...

    @abstractmethod
    def set_admin(self, username: str, admin: bool) -> None: ...

    # -- groups -------------------------------------------------------------------------
    @abstractmethod
    def create_group(self, group: str) -> None: ...

    @abstractmethod
    def delete_group(self, group: str) -> None: ...

    @abstractmethod
    def edit_user_group(self, username: str, group: str, add: bool) -> None: ...

    # -- package permissions ------------------------------------------------------------
    @abstractmethod
    def edit_user_permission(self, package: str, username: str, perm: str, add: bool) -> None: ...

    @abstractmethod
    def edit_group_permission(self, package: str, group: str, perm: str, add: bool) -> None: ...

    # -- dump and load ------------------------------------------------------------------
    def load(self, data: Any) -> None:
        """Merge a 1.x dump into this backend; loading the same dump twice changes nothing."""
        load_acl(self, data)


def load_acl(backend: MutableAccessBackend, data: Any) -> None:
    if not isinstance(data, dict):
        raise BadRequest("an ACL dump is a JSON object")
    try:
        users = list(data.get("users") or [])
        pending = list(data.get("pending_users") or [])
        groups = dict(data.get("groups") or {})
        packages = dict(data.get("packages") or {})
        if data.get("allow_register") is not None and bool(data["allow_register"]) != backend.allow_register():
            backend.set_allow_register(bool(data["allow_register"]))
        known_pending = set(backend.pending_users())
        for user in users:
            username, hashed = user["username"], user.get("password") or ""
            if username in known_pending:
                backend.approve_user(username)
                known_pending.discard(username)
            if not backend.user_exists(username):
                backend.create_user(username, password_hash=hashed, admin=bool(user.get("admin")))
            else:
                if hashed and backend.password_hash(username) != hashed:
                    backend.set_password_hash(username, hashed)
                if backend.is_admin(username) != bool(user.get("admin")):
                    backend.set_admin(username, bool(user.get("admin")))
        for user in pending:
            if user["username"] not in known_pending and not backend.user_exists(user["username"]):
                backend.create_user(user["username"], password_hash=user.get("password") or "", pending=True)
        # 1.x's config file may name members and permission holders that are not users;
        # like 1.x's import, those entries are skipped.
        known_users = {entry["username"] for entry in backend.user_data() or []} | set(backend.pending_users())
        existing_groups = set(backend.groups())
        for group, members in groups.items():
            if group not in existing_groups:
                backend.create_group(group)
            current = set(backend.group_members(group))
            for member in members:
                if member not in current and member in known_users:
                    backend.edit_user_group(member, group, True)
        for user in users:
            for group in user.get("groups") or []:
                if group not in set(backend.groups(user["username"])) and group not in ("everyone", "authenticated"):
                    if group not in set(backend.groups()):
                        backend.create_group(group)
                    backend.edit_user_group(user["username"], group, True)
        acls = backend.package_acls()
        for kind in ("users", "groups"):
            for package, principals in dict(packages.get(kind) or {}).items():
                acl = acls.get(normalize_name(package)) or PackageACL()
                have = acl.users if kind == "users" else acl.groups
                for name, perms in dict(principals).items():
                    for perm in perms:
                        if perm not in (READ, WRITE):
                            raise BadRequest(f"unknown permission {perm!r} for {name!r} on {package!r}")
                        if perm in have.get(name, ()) or (kind == "users" and name not in known_users):
                            continue
                        if kind == "users":
                            backend.edit_user_permission(package, name, perm, True)
                        else:
                            backend.edit_group_permission(package, name, perm, True)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BadRequest(f"not a valid ACL dump: {type(exc).__name__}: {exc}") from None


# -- input checks shared by the mutable backends ----------------------------------------
MAX_PRINCIPAL_LENGTH = 255
RESERVED_GROUPS = frozenset({"everyone", "authenticated"})


def validate_username(username: str) -> str:
    if not isinstance(username, str) or not username.strip():
        raise BadRequest("the user name is empty")
    if len(username) > MAX_PRINCIPAL_LENGTH:
        raise BadRequest(f"the user name is longer than {MAX_PRINCIPAL_LENGTH} characters")
    # ':' cannot travel in HTTP Basic credentials; control characters break logs and headers.
    if ":" in username or any(ord(ch) < 32 or ord(ch) == 127 for ch in username) or username != username.strip():
        raise BadRequest("the user name may not contain ':', control characters or surrounding spaces")
    return username


def validate_group(group: str) -> str:
    if not isinstance(group, str) or not group.strip():
        raise BadRequest("the group name is empty")
    if len(group) > MAX_PRINCIPAL_LENGTH:
        raise BadRequest(f"the group name is longer than {MAX_PRINCIPAL_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in group) or group != group.strip():
        raise BadRequest("the group name may not contain control characters or surrounding spaces")
    if group in RESERVED_GROUPS:
        raise BadRequest(f"{group!r} is a built-in group: every (logged-in) user is in it")
    return group


def validate_password(password) -> str:
    if not isinstance(password, str) or password == "":
        raise BadRequest("the password is empty")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequest(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


def validate_permission(perm: str) -> str:
    if perm not in (READ, WRITE):
        raise BadRequest(f"unknown permission {perm!r}: expected read or write")
    return perm
