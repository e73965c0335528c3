"""Jobs over stored files as plain functions: missing hashes, missing PEP 658 metadata,
and storage migration (resumable, verified, byte-identical)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ppc_shared.changes import ChangeFeed
from ppc_shared.hashing import HashingSpoolFile
from ppc_shared.maintenance import compute_missing_hashes, extract_missing_metadata
from ppc_shared.migration import MigrationError, files_to_migrate, migrate_all, migrate_file
from ppc_shared.settings import Settings
from ppc_shared.uploads import UploadForm
from ppc_shared.wiring import load_backends
from tests import dists


def make_index(root: Path):
    settings = Settings.from_dict({"storage.dir": str(root / "packages"),
                                   "db.url": f"sqlite:///{root / 'cache.sqlite'}"}, here=str(root))
    return load_backends(settings, changes=ChangeFeed())


@pytest.fixture
def source(tmp_path):
    backends = make_index(tmp_path / "old")
    yield backends
    backends.close()


@pytest.fixture
def target(tmp_path):
    backends = make_index(tmp_path / "new")
    yield backends
    backends.close()


def put(backends, filename: str, data: bytes):
    spool = HashingSpoolFile()
    spool.write(data)
    spool.seek(0)
    with spool:
        return backends.index.upload(UploadForm(filename=filename), spool, "uploader", may_overwrite=False)


def stock(backends, count: int = 6) -> dict[str, bytes]:
    files = {}
    for i in range(count):
        wheel = dists.wheel_bytes(f"pkg{i % 3}", f"1.{i}", requires_python=">=3.8")
        files[put(backends, dists.wheel_filename(f"pkg{i % 3}", f"1.{i}"), wheel).filename] = wheel
        sdist = dists.sdist_bytes(f"pkg{i % 3}", f"1.{i}")
        files[put(backends, dists.sdist_filename(f"pkg{i % 3}", f"1.{i}"), sdist).filename] = sdist
    return files


def strip(root: Path, keys: tuple[str, ...], drop_core: bool = False) -> None:
    """Make files look like 1.x stored them: no hashes and no PEP 658 file."""
    for meta in root.rglob("*.meta"):
        record = {k: v for k, v in json.loads(meta.read_text()).items() if k not in keys}
        meta.write_text(json.dumps(record))
    if drop_core:
        for core in root.rglob("*.metadata"):
            core.unlink()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_compute_missing_hashes_fills_storage_and_cache(source, tmp_path):
    files = stock(source, 3)
    before = tree(tmp_path / "old" / "packages")
    strip(tmp_path / "old" / "packages", ("hash_sha256", "hash_md5", "hash_blake2b_256"))
    source.index.rebuild(graceful=False)
    assert all(p.sha256 is None for p in source.cache.all_files())
    counts = compute_missing_hashes(source.index)
    assert (counts.checked, counts.updated, counts.failed) == (6, 6, 0)
    assert tree(tmp_path / "old" / "packages") == before  # the same sidecars as at upload
    assert all(p.sha256 for p in source.cache.all_files())
    assert compute_missing_hashes(source.index).updated == 0  # idempotent


def test_extract_missing_metadata_for_wheels(source, tmp_path):
    stock(source, 3)
    before = tree(tmp_path / "old" / "packages")
    strip(tmp_path / "old" / "packages", ("core_metadata_sha256",), drop_core=True)
    source.index.rebuild(graceful=False)
    counts = extract_missing_metadata(source.index)
    assert (counts.checked, counts.updated, counts.failed) == (3, 3, 0)
    assert tree(tmp_path / "old" / "packages") == before
    wheel = next(p for p in source.cache.all_files() if p.filename.endswith(".whl"))
    assert source.index.core_metadata(wheel).startswith(b"Metadata-Version")
    assert extract_missing_metadata(source.index).updated == 0


def test_migration_copies_everything_byte_identical_and_resumes(source, target, tmp_path):
    stock(source)
    missing, present = files_to_migrate(source.index, target.index)
    # "Crash" after a third: then also a file whose data landed without its cache row.
    for package in missing[:4]:
        migrate_file(source.index, target.index, package)
    half = missing[4]
    with source.storage.open(half) as stream:
        target.storage.upload(half, stream, overwrite=False)
    counts = migrate_all(source.index, target.index)
    assert (counts.total, counts.copied, counts.present, counts.failed) == (12, 7, 5, 0)
    assert tree(tmp_path / "old" / "packages") == tree(tmp_path / "new" / "packages")
    assert {p.filename: p.metadata for p in source.cache.all_files()} == \
        {p.filename: p.metadata for p in target.cache.all_files()}
    assert migrate_all(source.index, target.index).copied == 0


def test_migration_refuses_a_source_that_does_not_match_its_hash(source, target, tmp_path):
    stock(source, 1)
    victim = next(p for p in source.cache.all_files() if p.filename.endswith(".tar.gz"))
    path = source.storage.path_of(victim)
    data = bytearray(Path(path).read_bytes())
    data[-1] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    with pytest.raises(MigrationError):
        migrate_file(source.index, target.index, victim)
    counts = migrate_all(source.index, target.index)
    assert counts.failed == 1 and counts.copied == 1
    assert not os.path.exists(target.storage.path_of(victim))
