"""The package index: storage and cache kept in step, for every service to use."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from .cache.base import Cache
from .changes import ChangeFeed
from .errors import Conflict, NotFound
from .hashing import HashingSpoolFile
from .models import PackageFile
from .storage.base import DownloadTarget, Storage
from .uploads import CheckedUpload, UploadForm, check_upload

log = logging.getLogger(__name__)
REBUILD_BATCH = 2000


@dataclass(frozen=True)
class RebuildResult:
    files: int
    added: int
    removed: int
    seconds: float


class PackageIndex:
    def __init__(self, storage: Storage, cache: Cache, changes: ChangeFeed,
                 calculate_hashes: bool = True):
        self.storage = storage
        self.cache = cache
        self.changes = changes
        self.calculate_hashes = calculate_hashes

    # -- reads ----------------------------------------------------------------------------
    def files(self, name: str) -> list[PackageFile]:
        return self.cache.files(name)

    def get_file(self, name: str, filename: str) -> PackageFile:
        """The stored file ``filename`` of project ``name``. A file of another project is
        not found: 1.x looked files up by filename alone, so a permission on one project
        reached every other project's files through its URL."""
        package = self.cache.fetch(filename)
        if package is None or package.name != name:
            raise NotFound(f"{filename} is not a stored file of {name!r}")
        return package

    def download(self, package: PackageFile) -> DownloadTarget:
        return self.storage.download(package)

    def core_metadata(self, package: PackageFile) -> bytes:
        raw = self.storage.get_core_metadata(package) if package.core_metadata_sha256 else None
        if raw is None:
            raise NotFound(f"no core metadata is stored for {package.filename}")
        return raw

    # -- writes ---------------------------------------------------------------------------
    def upload(self, form: UploadForm, spool: HashingSpoolFile, uploader: str | None, *,
               may_overwrite: bool, url_name: str | None = None) -> PackageFile:
        checked: CheckedUpload = check_upload(form, spool, uploader, self.calculate_hashes, url_name)
        package = checked.package
        existing = self.cache.fetch(package.filename)
        if existing is not None and not may_overwrite:
            # poetry/pdm --skip-existing and twine --skip-existing look for this wording.
            raise Conflict(f"File already exists: {package.filename}")
        self.storage.upload(package, spool, overwrite=may_overwrite,
                            core_metadata=checked.core_metadata)
        self.cache.save(package)
        self.changes.notify()
        log.info("stored %s (%s bytes) for %s", package.filename, package.size, uploader or "anonymous")
        return package

    def delete(self, package: PackageFile) -> None:
        self.storage.delete(package)
        self.cache.remove(package)
        self.changes.notify()

    def set_yanked(self, package: PackageFile, yanked: bool, reason: str = "") -> PackageFile:
        package.metadata["yanked"] = yanked
        package.metadata["yanked_reason"] = reason if yanked else ""
        package = PackageFile(package.name, package.version, package.filename,
                              package.last_modified, package.summary, package.metadata)
        self.storage.save_metadata(package)
        self.cache.save(package)
        self.changes.notify()
        return package

    # -- rebuild --------------------------------------------------------------------------
    def fill_if_empty(self) -> RebuildResult | None:
        if not self.cache.is_empty():
            return None
        return self.rebuild(graceful=False)

    def rebuild(self, graceful: bool | None = None,
                progress: Callable[[int, int], None] | None = None) -> RebuildResult:
        """Make the cache match storage. Graceful keeps every stored file visible while it
        runs (adds and replaces first, removes last); otherwise clear and refill.
        ``progress(saved, total)`` is called as the cache is written."""
        graceful = self.cache.graceful_reload if graceful is None else graceful
        started = time.perf_counter()
        stored = list(self.storage.list())
        if graceful:
            stored_names = {p.filename for p in stored}
            cached_names = {p.filename for p in self.cache.all_files()}
            self._save_in_batches(stored, progress)
            gone = cached_names - stored_names
            self.cache.remove_many(gone)
            added, removed = len(stored_names - cached_names), len(gone)
        else:
            self.cache.clear_all()
            self._save_in_batches(stored, progress)
            added, removed = len(stored), 0
        self.changes.notify()
        result = RebuildResult(len(stored), added, removed, time.perf_counter() - started)
        log.info("cache rebuilt from storage: %d files in %.2f s", result.files, result.seconds)
        return result

    def _save_in_batches(self, stored: list[PackageFile], progress: Callable[[int, int], None] | None) -> None:
        if progress is None:
            self.cache.save_many(stored)
            return
        for start in range(0, len(stored), REBUILD_BATCH):
            self.cache.save_many(stored[start:start + REBUILD_BATCH])
            progress(min(start + REBUILD_BATCH, len(stored)), len(stored))
        progress(len(stored), len(stored))
