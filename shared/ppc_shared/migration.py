"""Storage migration (``ppc-migrate OLD.ini NEW.ini``): copy every file with all its
metadata from one storage to another, verifying each copy's hashes.

Resumable by construction: a file the target already holds (same sha256) is skipped, so
after a crash the same command copies only what is missing. Each copy goes through the
target's atomic upload (data first, metadata last, temps removed on error), so a copy
interrupted midway leaves nothing that a re-run would mistake for done.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable, Iterable

from .errors import Conflict, NotFound, PPCError
from .hashing import HashingSpoolFile, MultiHasher, copy_stream
from .models import PackageFile
from .package_index import PackageIndex

log = logging.getLogger(__name__)

COPIED = "copied"
PRESENT = "present"


class MigrationError(PPCError):
    status = 500
    key = "migration"


@dataclass
class MigrationCounts:
    total: int = 0
    copied: int = 0
    present: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def package_to_dict(package: PackageFile) -> dict:
    """A file's record as JSON-safe values (what a migration job message carries)."""
    return {"name": package.name, "version": package.version, "filename": package.filename,
            "last_modified": package.last_modified.isoformat(), "summary": package.summary,
            "metadata": package.metadata}


def package_from_dict(record: dict) -> PackageFile:
    return PackageFile(record["name"], record["version"], record["filename"],
                       datetime.fromisoformat(record["last_modified"]), record.get("summary") or "",
                       dict(record.get("metadata") or {}))


def _digest_of(index: PackageIndex, package: PackageFile) -> str | None:
    try:
        hasher = MultiHasher()
        with index.storage.open(package) as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                hasher.update(chunk)
        return hasher.digests()["sha256"]
    except NotFound:
        return None


def _check(package: PackageFile, digests: dict[str, str], where: str) -> None:
    for key, algorithm in (("hash_sha256", "sha256"), ("hash_md5", "md5")):
        expected = package.metadata.get(key)
        if expected and not hmac.compare_digest(expected.lower(), digests[algorithm]):
            raise MigrationError(f"{package.filename}: {where} bytes do not match the stored {algorithm}")


def target_holds(target: PackageIndex, package: PackageFile) -> bool:
    """The target stores this file with the same bytes (by sha256) and has its cache row."""
    existing = target.cache.fetch(package.filename)
    if existing is None or existing.name != package.name:
        return False
    if package.sha256 and existing.sha256 != package.sha256:
        return False
    try:
        with target.storage.open(existing):
            return True
    except NotFound:
        return False


def migrate_file(source: PackageIndex, target: PackageIndex, package: PackageFile) -> str:
    """Copy one file with its metadata (and PEP 658 metadata); ``copied`` or ``present``.
    Verifies the bytes read from the source against the recorded hashes, and an existing
    target copy against them too. Safe to run twice at once: of two copies one wins."""
    if target_holds(target, package):
        return PRESENT
    with HashingSpoolFile() as spool:
        with source.storage.open(package) as stream:
            copy_stream(stream, spool)
        digests = spool.hasher.digests()
        _check(package, digests, "source")
        metadata = dict(package.metadata)
        # Fill in what the source lacked: the copy is verified from here on.
        metadata.setdefault("hash_sha256", digests["sha256"])
        metadata.setdefault("hash_md5", digests["md5"])
        metadata.setdefault("size", spool.hasher.size)
        copy = PackageFile(package.name, package.version, package.filename, package.last_modified,
                           package.summary, metadata)
        core = source.storage.get_core_metadata(package) if package.core_metadata_sha256 else None
        spool.seek(0)
        try:
            target.storage.upload(copy, spool, overwrite=False, core_metadata=core)
            outcome = COPIED
        except Conflict:
            # Already in the target's storage (an earlier run died before the cache row, or
            # another worker copied it): keep it only if its bytes are the same.
            if _digest_of(target, copy) != digests["sha256"]:
                raise MigrationError(f"{package.filename}: the target holds different bytes") from None
            # A crash between data and metadata leaves the data alone: complete the rest.
            if core is not None:
                target.storage.save_core_metadata(copy, core)
            target.storage.save_metadata(copy)
            outcome = PRESENT
    target.cache.save(copy)
    return outcome


def files_to_migrate(source: PackageIndex, target: PackageIndex) -> tuple[list[PackageFile], int]:
    """The source's files the target does not hold yet, and how many it already holds."""
    stored = list(source.storage.list())
    missing = [p for p in stored if not target_holds(target, p)]
    return missing, len(stored) - len(missing)


def migrate_all(source: PackageIndex, target: PackageIndex,
                progress: Callable[[MigrationCounts], None] | None = None,
                packages: Iterable[PackageFile] | None = None) -> MigrationCounts:
    """Copy everything missing in-process, reporting counts after every file."""
    missing, present = files_to_migrate(source, target) if packages is None else (list(packages), 0)
    counts = MigrationCounts(total=len(missing) + present, present=present)
    for package in missing:
        try:
            if migrate_file(source, target, package) == COPIED:
                counts.copied += 1
            else:
                counts.present += 1
        except (PPCError, OSError) as exc:
            log.error("could not migrate %s: %s", package.filename, exc)
            counts.failed += 1
        if progress:
            progress(counts)
    target.changes.notify()
    return counts
