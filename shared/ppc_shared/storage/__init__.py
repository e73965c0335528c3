"""Storage backends: where the package files live. Storage is the source of truth."""

from __future__ import annotations

from ..registry import resolve_backend
from ..settings import RawSettings
from .base import DownloadTarget, Storage

# Short names and the 1.x class paths that existing config files name.
STORAGE_BACKENDS = {
    "file": "ppc_shared.storage.file.FileStorage",
    "pypicloud.storage.filestorage": "ppc_shared.storage.file.FileStorage",
    "pypicloud.storage.file.filestorage": "ppc_shared.storage.file.FileStorage",
}


def create_storage(raw: RawSettings) -> Storage:
    backend = resolve_backend("pypi.storage", raw.str("pypi.storage", "file"), STORAGE_BACKENDS, Storage)
    return backend.from_settings(raw)


__all__ = ["DownloadTarget", "Storage", "create_storage", "STORAGE_BACKENDS"]
