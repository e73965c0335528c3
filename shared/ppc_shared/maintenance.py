"""Jobs over everything stored: fill in what older uploads lack (what 1.x left to
scripts). Each is idempotent: it touches only files still missing the fact, and writes
storage (the source of truth) before the cache."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from dataclasses import asdict, dataclass
from typing import Callable

from .core_metadata import read_wheel_metadata
from .errors import BadRequest, NotFound
from .hashing import hash_stream
from .models import PackageFile
from .names import parse_filename
from .package_index import PackageIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class JobCounts:
    checked: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _with_metadata(package: PackageFile, **updates) -> PackageFile:
    return PackageFile(package.name, package.version, package.filename, package.last_modified,
                       package.summary, {**package.metadata, **updates})


def _save(index: PackageIndex, package: PackageFile) -> None:
    index.storage.save_metadata(package)
    index.cache.save(package)


def _repair_each(index: PackageIndex, packages: list[PackageFile], is_complete: Callable[[PackageFile], bool],
                 repair: Callable[[PackageFile], None], failures: tuple[type[Exception], ...], what: str,
                 progress: Progress | None) -> JobCounts:
    """Run ``repair`` on every package that is not complete, counting what happened;
    a file that cannot be repaired is counted and logged, and the job goes on."""
    counts = JobCounts()
    for done, package in enumerate(packages, 1):
        counts.checked += 1
        if is_complete(package):
            counts.skipped += 1
        else:
            try:
                repair(package)
                counts.updated += 1
            except failures as exc:
                log.warning("no %s for %s: %s", what, package.filename, exc)
                counts.failed += 1
        if progress:
            progress(done, len(packages))
    if counts.updated:
        index.changes.notify()
    return counts


def compute_missing_hashes(index: PackageIndex, progress: Progress | None = None) -> JobCounts:
    """sha256, md5 (and blake2b-256, size) for every stored file that lacks sha256 or md5."""

    def repair(package: PackageFile) -> None:
        with index.storage.open(package) as stream:
            hasher = hash_stream(iter(lambda: stream.read(1 << 20), b""))
        digests = hasher.digests()
        _save(index, _with_metadata(package, hash_sha256=digests["sha256"], hash_md5=digests["md5"],
                                    hash_blake2b_256=digests["blake2b_256"], size=hasher.size))

    return _repair_each(index, list(index.storage.list()), lambda p: bool(p.sha256 and p.md5), repair,
                        (NotFound, OSError), "hashes", progress)


def extract_missing_metadata(index: PackageIndex, progress: Progress | None = None) -> JobCounts:
    """PEP 658 core metadata (and Requires-Python, summary when unset) for every stored
    wheel without it."""

    def repair(package: PackageFile) -> None:
        dist = parse_filename(package.filename)
        # A zip needs random access: copy to a local temp file (object stores stream).
        with index.storage.open(package) as stream, tempfile.TemporaryFile() as local:
            shutil.copyfileobj(stream, local, 1 << 20)
            local.seek(0)
            core = read_wheel_metadata(local, dist.name, dist.version)
        index.storage.save_core_metadata(package, core.raw)
        updates = {"core_metadata_sha256": hashlib.sha256(core.raw).hexdigest()}
        if not package.requires_python and core.requires_python:
            updates["requires_python"] = core.requires_python
        updated = _with_metadata(package, **updates)
        if not updated.summary and core.summary:
            updated.summary = core.summary
        _save(index, updated)

    wheels = [p for p in index.storage.list() if p.filename.lower().endswith(".whl")]
    return _repair_each(index, wheels, lambda p: bool(p.core_metadata_sha256), repair,
                        (BadRequest, NotFound, OSError, NotImplementedError), "core metadata", progress)
