"""Users, groups and permissions from the config file (``user.*``, ``group.*``,
``package.*``, ``auth.admins``), the default access backend."""

from __future__ import annotations

from typing import Any

from passlib.context import CryptContext

from ..errors import SettingsError
from ..names import normalize_name
from ..passwords import context_from_settings, verify_password
from ..settings import RawSettings
from .base import AccessBackend, PackageACL, parse_permission


class ConfigAccessBackend(AccessBackend):
    def __init__(self, users: dict[str, str], groups: dict[str, list[str]], admins: set[str],
                 acls: dict[str, PackageACL], context: CryptContext):
        self._users = users
        self._groups = groups
        self._admins = admins
        self._acls = acls
        self._context = context
        self._user_groups: dict[str, list[str]] = {}
        for group, members in groups.items():
            for member in members:
                self._user_groups.setdefault(member, []).append(group)

    @classmethod
    def from_settings(cls, raw: RawSettings) -> "ConfigAccessBackend":
        users = {key[len("user."):]: value for key, value in raw.keys_with_prefix("user.").items()}
        groups = {key[len("group."):]: value.split() for key, value in raw.keys_with_prefix("group.").items()}
        acls: dict[str, PackageACL] = {}
        for key, value in raw.keys_with_prefix("package.").items():
            # package.<name>.user.<user> / package.<name>.group.<group>; names may hold dots
            body = key[len("package."):]
            for kind in (".user.", ".group."):
                package, sep, principal = body.rpartition(kind)
                if sep:
                    break
            else:
                raise SettingsError(key, "expected package.<name>.user.<user> or package.<name>.group.<group>")
            perms = parse_permission(value)
            if not perms or set(value) - {"r", "w"}:
                raise SettingsError(key, f"expected r, w or rw, got {value!r}")
            # 1.x kept the name as typed and looked up the normalised one, so entries
            # for Django_Unchained never matched. Normalise both sides.
            acl = acls.setdefault(normalize_name(package), PackageACL())
            target = acl.users if kind == ".user." else acl.groups
            target[principal] = perms
        return cls(users, groups, set(raw.list("auth.admins")), acls, context_from_settings(raw))

    def verify_user(self, username: str, password: str) -> bool:
        return verify_password(self._context, password, self._users.get(username))

    def groups(self, username: str | None = None) -> list[str]:
        if username is None:
            return sorted(self._groups)
        return sorted(self._user_groups.get(username, []))

    def group_members(self, group: str) -> list[str]:
        return list(self._groups.get(group, []))

    def is_admin(self, username: str) -> bool:
        return username in self._admins

    def package_acls(self) -> dict[str, PackageACL]:
        return self._acls

    def password_hash(self, username: str) -> str | None:
        return self._users.get(username)

    def user_data(self, username: str | None = None) -> Any:
        if username is None:
            return [{"username": name, "admin": self.is_admin(name)} for name in sorted(self._users)]
        if username not in self._users:
            return None
        return {"username": username, "admin": self.is_admin(username), "groups": self.groups(username)}
