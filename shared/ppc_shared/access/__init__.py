"""Access backends: who the users are, their groups, and per-package permissions."""

from __future__ import annotations

from ..registry import resolve_backend
from ..settings import RawSettings
from .base import AccessBackend, MutableAccessBackend, PackageACL

ACCESS_BACKENDS = {
    "config": "ppc_shared.access.config.ConfigAccessBackend",
    "pypicloud.access.configaccessbackend": "ppc_shared.access.config.ConfigAccessBackend",
    "pypicloud.access.config.configaccessbackend": "ppc_shared.access.config.ConfigAccessBackend",
    "sql": "ppc_shared.access.sql.SQLAccessBackend",
    "pypicloud.access.sql.sqlaccessbackend": "ppc_shared.access.sql.SQLAccessBackend",
    "pypicloud.access.sqlaccessbackend": "ppc_shared.access.sql.SQLAccessBackend",
    "remote": "ppc_shared.access.remote.RemoteAccessBackend",
    "pypicloud.access.remoteaccessbackend": "ppc_shared.access.remote.RemoteAccessBackend",
    "pypicloud.access.remote.remoteaccessbackend": "ppc_shared.access.remote.RemoteAccessBackend",
}


def create_access(raw: RawSettings) -> AccessBackend:
    backend = resolve_backend("pypi.auth", raw.str("pypi.auth", "config"), ACCESS_BACKENDS, AccessBackend)
    return backend.from_settings(raw)


__all__ = ["AccessBackend", "MutableAccessBackend", "PackageACL", "create_access", "ACCESS_BACKENDS"]
