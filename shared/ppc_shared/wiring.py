"""Builds every backend from settings once, at start-up; services hold the result."""

from __future__ import annotations

from dataclasses import dataclass

from .access import AccessBackend, create_access
from .access.policy import AccessPolicy
from .cache import Cache, create_cache
from .changes import ChangeFeed, RedisChangeFeed, StampFileChangeFeed
from .package_index import PackageIndex
from .settings import Settings
from .storage import Storage, create_storage


@dataclass
class Backends:
    settings: Settings
    storage: Storage
    cache: Cache
    access: AccessBackend
    policy: AccessPolicy
    changes: ChangeFeed
    index: PackageIndex

    def close(self) -> None:
        self.cache.close()
        self.access.close()
        self.changes.close()


def default_change_feed(settings: Settings) -> ChangeFeed:
    """With a Redis bus, changes travel over Redis pub/sub to every host. Otherwise every
    process that shares this cache on this host shares the stamp file (the servers, and
    commands such as ``ppc import`` that change what they serve)."""
    raw = settings.raw
    bus_url = raw.str("bus.url") or ""
    if bus_url.startswith(("redis://", "rediss://")):
        return RedisChangeFeed(bus_url)
    return StampFileChangeFeed.for_identity(f"{raw.str('pypi.db', 'sql')}|{raw.str('db.url', '')}")


def load_backends(settings: Settings, changes: ChangeFeed | None = None) -> Backends:
    """Create storage, cache and access backends; every bad setting fails here."""
    raw = settings.raw
    storage = create_storage(raw)
    cache = create_cache(raw)
    access = create_access(raw)
    if changes is None:
        changes = default_change_feed(settings)
    access.use_change_feed(changes)
    index = PackageIndex(storage, cache, changes, settings.index.calculate_package_hashes)
    return Backends(settings, storage, cache, access, AccessPolicy(access, settings.index, changes), changes, index)
