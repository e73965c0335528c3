"""The access-backend interface: 1.x's IAccessBackend primitives (the same ones its
remote-access protocol exposes), plus a whole-ACL snapshot so that lists of many packages
are filtered in one pass instead of one lookup per name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

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
