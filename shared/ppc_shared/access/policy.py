"""Who is asking, and what may they do: principals, ACL decisions and the caches that keep
password hashing and ACL look-ups off the hot read path."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from ..changes import ACL
from ..errors import Forbidden, NotFound, Unauthorized
from ..settings import IndexSettings
from .base import READ, WRITE, AccessBackend

EVERYONE = "everyone"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Identity:
    username: str | None
    groups: frozenset[str]  # explicit groups plus everyone / authenticated
    is_admin: bool = False

    @property
    def logged_in(self) -> bool:
        return self.username is not None

    @property
    def principals_key(self) -> tuple:
        """What permission answers depend on, for keying cached per-caller pages."""
        return (self.username, self.is_admin, tuple(sorted(self.groups)))


ANONYMOUS = Identity(None, frozenset({EVERYONE}))


class _TTLCache:
    """A small thread-safe map whose entries expire; bounded so a flood of distinct
    keys cannot grow memory without end."""

    def __init__(self, seconds: float, max_entries: int = 10_000):
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key, value) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (value, time.monotonic() + self.seconds)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class AccessPolicy:
    def __init__(self, backend: AccessBackend, settings: IndexSettings, changes=None):
        self.backend = backend
        self.settings = settings
        # Users, groups and permissions change through auth-api, which moves the ``acl``
        # generation on: cached answers are dropped at the next request that sees it.
        self.changes = changes
        self._acl_generation = changes.generation(ACL) if changes is not None else None
        # Keyed by an HMAC of user and password under a per-process secret: a wrong
        # password can never match a cached entry, and the cache holds no password.
        self._secret = secrets.token_bytes(32)
        self._verified = _TTLCache(settings.credential_cache_seconds)
        self._identities = _TTLCache(settings.credential_cache_seconds)

    def invalidate(self) -> None:
        """Drop cached answers (called when users, groups or permissions change)."""
        self._verified.clear()
        self._identities.clear()

    def _check_generation(self) -> None:
        if self.changes is None:
            return
        generation = self.changes.generation(ACL)
        if generation != self._acl_generation:
            self.invalidate()
            self._acl_generation = generation

    # -- who ------------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> Identity | None:
        self._check_generation()
        key = hmac.new(self._secret, f"{username}\0{password}".encode("utf-8", "surrogatepass"),
                       hashlib.sha256).digest()
        if self._verified.get(key) is None:
            if not self.backend.verify_user(username, password):
                return None
            # Not if the password changed while it was being verified.
            if self.changes is None or self.changes.generation(ACL) == self._acl_generation:
                self._verified.put(key, True)
        return self._identity(username)

    def identity(self, username: str) -> Identity:
        self._check_generation()
        return self._identity(username)

    def _identity(self, username: str) -> Identity:
        cached = self._identities.get(username)
        if cached is None:
            groups = set(self.backend.groups(username)) | {EVERYONE, AUTHENTICATED}
            cached = Identity(username, frozenset(groups), self.backend.is_admin(username))
            self._identities.put(username, cached)
        return cached

    # -- what -----------------------------------------------------------------------------
    def has_permission(self, identity: Identity, package: str, perm: str) -> bool:
        if identity.is_admin:
            return True
        acl = self.backend.package_acls().get(package)
        if acl:
            if identity.username is not None and perm in acl.users.get(identity.username, ()):
                return True
            return any(perm in acl.groups.get(group, ()) for group in identity.groups)
        defaults = self.settings.default_read if perm == READ else self.settings.default_write
        return not defaults.isdisjoint(identity.groups)

    def can_read(self, identity: Identity, package: str) -> bool:
        return self.has_permission(identity, package, READ)

    def can_write(self, identity: Identity, package: str) -> bool:
        return self.has_permission(identity, package, WRITE)

    def readable_filter(self, identity: Identity) -> Callable[[str], bool]:
        """A predicate deciding read access for many names in one pass: one ACL snapshot,
        then a dict look-up per name."""
        if identity.is_admin:
            return lambda name: True
        acls = self.backend.package_acls()
        default = not self.settings.default_read.isdisjoint(identity.groups)
        username, groups = identity.username, identity.groups

        def readable(name: str) -> bool:
            acl = acls.get(name)
            if not acl:
                return default
            if username is not None and READ in acl.users.get(username, ()):
                return True
            return any(READ in acl.groups.get(group, ()) for group in groups)

        return readable

    def filter_readable(self, identity: Identity, names: Iterable[str]) -> list[str]:
        readable = self.readable_filter(identity)
        return [name for name in names if readable(name)]

    def in_groups(self, identity: Identity, groups: frozenset[str]) -> bool:
        """1.x's group gates (overwrite, delete, cache_update) check membership only."""
        return not groups.isdisjoint(identity.groups)

    # -- answers --------------------------------------------------------------------------
    def require_project_read(self, identity: Identity, package: str) -> None:
        """Project pages: anonymous → 401 (pip prompts only on 401), logged in → 404."""
        if not self.can_read(identity, package):
            if not identity.logged_in:
                raise Unauthorized("log in to read this project")
            raise NotFound(f"no project named {package!r}")

    def require(self, identity: Identity, package: str, perm: str) -> None:
        """API and file routes: anonymous → 401, logged in without permission → 403."""
        if not self.has_permission(identity, package, perm):
            if not identity.logged_in:
                raise Unauthorized("log in to access this project")
            raise Forbidden(f"you may not {'change' if perm == WRITE else 'read'} {package!r}")
