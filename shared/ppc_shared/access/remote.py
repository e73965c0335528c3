"""The ``remote`` access backend: 1.x's remote-access protocol, client side.

Settings (1.x's): ``auth.backend_server`` (base URL, the uri is appended as is),
``auth.user`` / ``auth.password`` (HTTP Basic, sent only when ``auth.user`` is set),
``auth.uri.<name>`` (paths, defaults below). Ours: ``auth.remote_cache_seconds`` (how
long an answer is reused, default 5), ``auth.remote_stale_seconds`` (how long a cached
answer keeps serving while the server is unreachable, default 60),
``auth.remote_timeout`` (seconds per call, default 5).

Unlike 1.x's client, this one caches answers (dropped at once when the ``acl`` change
generation moves on), sends ``verify`` as a POST form (the password stays out of URLs and
access logs), and fails closed: when the server cannot answer and no cached answer is
young enough, a call raises `ServiceUnavailable` (503), never a guess.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from ..changes import ACL
from ..errors import ServiceUnavailable, SettingsError
from ..names import normalize_name
from ..settings import RawSettings
from .base import READ, WRITE, AccessBackend, PackageACL

DEFAULT_URIS = {
    "verify": "/verify",
    "groups": "/groups",
    "group_members": "/group_members",
    "admin": "/admin",
    "group_permissions": "/group_permissions",
    "user_permissions": "/user_permissions",
    "user_package_permissions": "/user_package_permissions",
    "group_package_permissions": "/group_package_permissions",
    "user_data": "/user_data",
    # Beyond 1.x (auth-api serves it): the whole ACL in one call. A server without it
    # answers 404, and the snapshot is then built from the 1.x calls.
    "package_acls": "/package_acls",
}


class TransportError(Exception):
    """The server could not be reached or answered with a server error."""


class NotSupported(Exception):
    """The server answered 404 (an endpoint it does not have)."""


class RequestsTransport:
    """Calls over HTTP with ``requests`` (one pooled session per backend)."""

    def __init__(self, base_url: str, username: str | None, password: str | None, timeout: float):
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        if username:
            self.session.auth = (username, password or "")
        self.timeout = timeout

    def call(self, method: str, uri: str, params: dict[str, str]) -> Any:
        import requests

        url = self.base_url + uri
        try:
            if method == "POST":
                response = self.session.post(url, data=params, timeout=self.timeout)
            else:
                response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}") from None
        return _answer(response.status_code, response.content)


class WSGITransport:
    """Calls straight into a WSGI app in this process (the embedded default and tests):
    the same protocol, the same views, no socket. Marked as trusted in the WSGI environ,
    which only code can set."""

    def __init__(self, app, prefix: str = "/remote"):
        from werkzeug.test import Client

        self.client = Client(app)
        self.prefix = prefix

    def call(self, method: str, uri: str, params: dict[str, str]) -> Any:
        environ = {"ppc.remote.trusted": True}
        try:
            if method == "POST":
                response = self.client.post(self.prefix + uri, data=params, environ_overrides=environ)
            else:
                response = self.client.get(self.prefix + uri, query_string=urlencode(params),
                                           environ_overrides=environ)
        except Exception as exc:  # noqa: BLE001 - the app failing is the server failing
            raise TransportError(type(exc).__name__) from None
        return _answer(response.status_code, response.get_data())


def _answer(status: int, body: bytes) -> Any:
    import json

    if status == 404:
        raise NotSupported()
    if status >= 500 or status in (401, 403, 429):
        # 401/403: our service credentials are refused; fail closed, say so.
        raise TransportError(f"HTTP {status}")
    if status >= 400:
        raise TransportError(f"HTTP {status}")
    try:
        return json.loads(body)
    except ValueError:
        raise TransportError("the answer is not JSON") from None


class _AnswerCache:
    """Answers by call, fresh for ``fresh`` seconds and usable for ``stale`` more while
    the server is down; dropped whole when the ACL generation moves on."""

    def __init__(self, fresh: float, stale: float, max_entries: int = 10_000):
        self.fresh = fresh
        self.stale = stale
        self.max_entries = max_entries
        self._entries: dict = {}
        self._lock = threading.Lock()

    def get(self, key) -> tuple[Any, float] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        return entry

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (value, time.monotonic())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RemoteAccessBackend(AccessBackend):
    def __init__(self, transport, uris: dict[str, str] | None = None, cache_seconds: float = 5.0,
                 stale_seconds: float = 60.0):
        self.transport = transport
        self.uris = {**DEFAULT_URIS, **(uris or {})}
        self.changes = None
        self._generation: object = None
        self._cache = _AnswerCache(cache_seconds, stale_seconds)
        self._snapshot_unsupported = False

    @classmethod
    def from_settings(cls, raw: RawSettings) -> "RemoteAccessBackend":
        base = raw.str("auth.backend_server", required=True)
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError("auth.backend_server", f"expected an http(s) URL, got {base!r}")
        uris = {}
        for name, default in DEFAULT_URIS.items():
            uri = raw.str(f"auth.uri.{name}", default)
            uris[name] = uri
        transport = RequestsTransport(base.rstrip("/"),
                                      raw.str("auth.user"), raw.str("auth.password"),
                                      float(raw.int("auth.remote_timeout", 5, minimum=1)))
        return cls(transport, uris,
                   cache_seconds=float(raw.int("auth.remote_cache_seconds", 5, minimum=0)),
                   stale_seconds=float(raw.int("auth.remote_stale_seconds", 60, minimum=0)))

    # -- calls --------------------------------------------------------------------------
    def _check_generation(self) -> None:
        if self.changes is None:
            return
        generation = self.changes.generation(ACL)
        if generation != self._generation:
            self._cache.clear()
            self._generation = generation

    def _call(self, name: str, params: dict[str, str], *, method: str = "GET") -> Any:
        return self.transport.call(method, self.uris[name], params)

    def _cached(self, name: str, params: dict[str, str], compute: Callable[[], Any] | None = None) -> Any:
        self._check_generation()
        key = (name, tuple(sorted(params.items())))
        entry = self._cache.get(key)
        now = time.monotonic()
        if entry is not None and now - entry[1] < self._cache.fresh:
            return entry[0]
        try:
            value = compute() if compute is not None else self._call(name, params)
        except TransportError as exc:
            if entry is not None and now - entry[1] < self._cache.fresh + self._cache.stale:
                return entry[0]
            raise ServiceUnavailable(f"the access server cannot answer ({exc}); try again shortly") from None
        except NotSupported:
            raise
        self._cache.put(key, value)
        return value

    # -- AccessBackend ------------------------------------------------------------------
    def verify_user(self, username: str, password: str) -> bool:
        # Not cached here: AccessPolicy caches successes under an HMAC of the credentials.
        try:
            return self._call("verify", {"username": username, "password": password}, method="POST") is True
        except (TransportError, NotSupported) as exc:
            raise ServiceUnavailable(f"the access server cannot verify passwords ({type(exc).__name__})") from None

    def groups(self, username: str | None = None) -> list[str]:
        return list(self._safe("groups", {"username": username} if username else {}) or [])

    def group_members(self, group: str) -> list[str]:
        return list(self._safe("group_members", {"group": group}) or [])

    def is_admin(self, username: str) -> bool:
        return self._safe("admin", {"username": username}) is True

    def user_data(self, username: str | None = None) -> Any:
        return self._safe("user_data", {"username": username} if username else {})

    def _safe(self, name: str, params: dict[str, str]) -> Any:
        try:
            return self._cached(name, params)
        except NotSupported:
            raise ServiceUnavailable(f"the access server has no {self.uris[name]} endpoint") from None

    def package_acls(self) -> dict[str, PackageACL]:
        try:
            return self._cached("package_acls", {}, self._fetch_acls)
        except NotSupported:
            raise ServiceUnavailable("the access server cannot list permissions") from None

    def _fetch_acls(self) -> dict[str, PackageACL]:
        if not self._snapshot_unsupported:
            try:
                answer = self._call("package_acls", {})
                return {normalize_name(package): PackageACL(
                    users={name: set(perms) & {READ, WRITE} for name, perms in (entry.get("users") or {}).items()},
                    groups={name: set(perms) & {READ, WRITE} for name, perms in (entry.get("groups") or {}).items()},
                ) for package, entry in answer.items()}
            except NotSupported:
                self._snapshot_unsupported = True  # a plain 1.x-protocol server
            except (AttributeError, TypeError):
                raise TransportError("malformed package_acls answer") from None
        # 1.x's calls only: every user's and every group's package permissions.
        acls: dict[str, PackageACL] = {}
        users = [entry["username"] for entry in self._call("user_data", {}) or []]
        for username in users:
            for entry in self._call("user_package_permissions", {"username": username}) or []:
                acl = acls.setdefault(normalize_name(entry["package"]), PackageACL())
                acl.users[username] = set(entry["permissions"]) & {READ, WRITE}
        for group in list(self._call("groups", {}) or []) + ["everyone", "authenticated"]:
            for entry in self._call("group_package_permissions", {"group": group}) or []:
                acl = acls.setdefault(normalize_name(entry["package"]), PackageACL())
                acl.groups[group] = set(entry["permissions"]) & {READ, WRITE}
        return acls

    def check_health(self) -> tuple[bool, str]:
        try:
            self._call("user_data", {})
        except (TransportError, NotSupported) as exc:
            return False, f"access server unreachable: {exc}"
        return True, ""
