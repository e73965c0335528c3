"""Metadata cache backends: a fast index of what storage holds."""

from __future__ import annotations

from ..registry import resolve_backend
from ..settings import RawSettings
from .base import Cache

CACHE_BACKENDS = {
    "sql": "ppc_shared.cache.sql.SQLCache",
    "pypicloud.cache.sqlcache": "ppc_shared.cache.sql.SQLCache",
    "pypicloud.cache.sql.sqlcache": "ppc_shared.cache.sql.SQLCache",
}


def create_cache(raw: RawSettings) -> Cache:
    backend = resolve_backend("pypi.db", raw.str("pypi.db", "sql"), CACHE_BACKENDS, Cache)
    return backend.from_settings(raw)


__all__ = ["Cache", "create_cache", "CACHE_BACKENDS"]
