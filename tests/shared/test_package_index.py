"""PackageIndex: uploads through storage and cache, and rebuilding the cache from storage."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ppc_shared.changes import ChangeFeed
from ppc_shared.errors import Conflict
from ppc_shared.hashing import HashingSpoolFile
from ppc_shared.models import PackageFile
from ppc_shared.package_index import PackageIndex
from ppc_shared.storage.file import FileStorage
from ppc_shared.uploads import UploadForm

from tests import dists

UTC = timezone.utc


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "packages"


@pytest.fixture
def index(root, sql_cache) -> PackageIndex:
    return PackageIndex(FileStorage(str(root)), sql_cache, ChangeFeed())


def spool_of(data: bytes) -> HashingSpoolFile:
    spool = HashingSpoolFile()
    for start in range(0, len(data), 4096):
        spool.write(data[start:start + 4096])
    spool.seek(0)
    return spool


def upload(index: PackageIndex, filename: str, data: bytes, uploader: str | None = "dsa", *,
           may_overwrite: bool = False, **form) -> PackageFile:
    with spool_of(data) as spool:
        return index.upload(UploadForm(filename=filename, **form), spool, uploader,
                            may_overwrite=may_overwrite)


def snapshot(index: PackageIndex) -> list[PackageFile]:
    return sorted(index.cache.all_files(), key=lambda p: p.filename)


def stored_snapshot(index: PackageIndex) -> list[PackageFile]:
    return sorted(index.storage.list(), key=lambda p: p.filename)


def upload_a_mix(index: PackageIndex) -> dict[str, PackageFile]:
    """Wheels (with core metadata) and sdists, unicode summaries, one yanked file."""
    files = {}
    for name, version, summary, requires_python in [
        ("demo-pkg", "1.0", "Demo package 📦", ">=3.8"),
        ("demo-pkg", "2.0", "Demo package, second 中文", ">=3.9"),
        ("Other_Project", "0.1", "", None),
    ]:
        wheel = dists.wheel_bytes(name, version, summary=summary, requires_python=requires_python)
        package = upload(index, dists.wheel_filename(name, version), wheel,
                         digests={"sha256_digest": hashlib.sha256(wheel).hexdigest(),
                                  "md5_digest": hashlib.md5(wheel).hexdigest()})
        files[package.filename] = package
    sdist = dists.sdist_bytes("demo-pkg", "2.0")
    package = upload(index, dists.sdist_filename("demo-pkg", "2.0"), sdist, "stevearc",
                     summary="sdist summary 🐍 日本語", requires_python=">=3.7", name="demo-pkg", version="2.0")
    files[package.filename] = package
    yanked = index.set_yanked(files["demo_pkg-1.0-py3-none-any.whl"], True, "broken 💥")
    files[yanked.filename] = yanked
    return files


def test_upload_stores_in_storage_and_cache(index, root):
    wheel = dists.wheel_bytes("demo-pkg", "1.0", summary="Demo", requires_python=">=3.8")
    generation = index.changes.generation()
    package = upload(index, dists.wheel_filename("demo-pkg", "1.0"), wheel)
    assert index.changes.generation() != generation
    path = root / "demo-pkg" / "1.0" / "demo_pkg-1.0-py3-none-any.whl"
    assert path.read_bytes() == wheel
    assert index.cache.fetch(package.filename) == package
    assert package.sha256 == hashlib.sha256(wheel).hexdigest()
    assert package.md5 == hashlib.md5(wheel).hexdigest()
    assert package.blake2b_256 == hashlib.blake2b(wheel, digest_size=32).hexdigest()
    assert package.size == len(wheel)
    assert package.summary == "Demo" and package.requires_python == ">=3.8"
    assert package.metadata["uploader"] == "dsa"
    core = index.core_metadata(package)
    assert hashlib.sha256(core).hexdigest() == package.core_metadata_sha256
    assert b"Name: demo-pkg" in core
    assert index.get_file("demo-pkg", package.filename) == package


def test_a_second_upload_of_a_filename_is_a_conflict(index, root):
    sdist = dists.sdist_bytes("demo-pkg", "1.0")
    first = upload(index, dists.sdist_filename("demo-pkg", "1.0"), sdist)
    with pytest.raises(Conflict, match="File already exists"):
        upload(index, dists.sdist_filename("demo-pkg", "1.0"), dists.sdist_bytes("demo-pkg", "1.0", summary="x"))
    assert index.cache.all_files() == [first]
    assert (root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz").read_bytes() == sdist


def test_delete_removes_from_storage_and_cache(index, root):
    package = upload(index, dists.wheel_filename("demo-pkg", "1.0"), dists.wheel_bytes("demo-pkg", "1.0"))
    index.delete(package)
    assert index.cache.is_empty()
    assert list(index.storage.list()) == []
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("graceful", [True, False])
def test_rebuild_from_storage_loses_nothing(index, graceful):
    uploaded = upload_a_mix(index)
    before = snapshot(index)
    assert [p.filename for p in before] == sorted(uploaded)
    assert before == sorted(uploaded.values(), key=lambda p: p.filename)
    summaries_before = index.cache.summaries()

    generation = index.changes.generation()
    result = index.rebuild(graceful=graceful)
    assert index.changes.generation() != generation
    assert result.files == len(before)
    assert (result.added, result.removed) == ((0, 0) if graceful else (len(before), 0))

    after = snapshot(index)
    assert after == before  # every field, compared as a whole ...
    for old, new in zip(before, after):  # ... and one by one, for a readable failure
        assert new.last_modified == old.last_modified, new.filename
        assert new.hashes() == old.hashes() and len(new.hashes()) == 3
        assert new.core_metadata_sha256 == old.core_metadata_sha256
        assert new.size == old.size
        assert new.metadata.get("uploader") == old.metadata.get("uploader")
        assert (new.summary, new.requires_python) == (old.summary, old.requires_python)
        assert (new.yanked, new.yanked_reason) == (old.yanked, old.yanked_reason)
    assert index.cache.summaries() == summaries_before

    yanked = index.cache.fetch("demo_pkg-1.0-py3-none-any.whl")
    assert yanked.yanked and yanked.yanked_reason == "broken 💥"
    assert yanked.core_metadata_sha256
    assert index.cache.fetch("demo_pkg-2.0.tar.gz").metadata["uploader"] == "stevearc"
    assert index.cache.fetch("demo_pkg-2.0.tar.gz").summary == "sdist summary 🐍 日本語"
    assert sorted(index.cache.project_names()) == ["demo-pkg", "other-project"]
    # The cache and a fresh listing of storage agree.
    assert after == stored_snapshot(index)


def test_unyank_survives_a_rebuild(index):
    package = upload(index, dists.wheel_filename("demo-pkg", "1.0"), dists.wheel_bytes("demo-pkg", "1.0"))
    index.set_yanked(package, True, "oops")
    unyanked = index.set_yanked(index.cache.fetch(package.filename), False)
    index.rebuild(graceful=False)
    stored = index.cache.fetch(package.filename)
    assert stored == unyanked
    assert not stored.yanked and stored.yanked_reason == ""


def test_fill_if_empty_fills_an_empty_cache(index, root, make_sql_cache, cache_url):
    uploaded = upload_a_mix(index)
    expected = snapshot(index)
    index.cache.clear_all()
    assert index.cache.is_empty()

    result = index.fill_if_empty()
    assert result is not None and result.files == len(uploaded)
    assert snapshot(index) == expected


def test_fill_if_empty_does_nothing_when_the_cache_has_rows(index, root):
    upload_a_mix(index)
    kept = index.cache.fetch("demo_pkg-2.0.tar.gz")
    index.cache.clear_all()
    index.cache.save(kept)
    generation = index.changes.generation()

    assert index.fill_if_empty() is None
    assert index.cache.all_files() == [kept]  # storage holds more, but nothing was read
    assert index.changes.generation() == generation


def test_rebuild_with_no_argument_follows_graceful_reload(index):
    upload_a_mix(index)
    index.cache.graceful_reload = True
    assert index.rebuild().added == 0
    index.cache.graceful_reload = False
    assert index.rebuild().added == 4


def _write_1x_file(root: Path, name: str, version: str, filename: str, data: bytes, *,
                   summary: str = "", when: datetime | None = None, **meta) -> Path:
    folder = root / name / version
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(data)
    sidecar = {"summary": summary, "hash_sha256": hashlib.sha256(data).hexdigest(),
               "hash_md5": hashlib.md5(data).hexdigest(), **meta}
    (folder / (filename + ".meta")).write_text(json.dumps(sidecar))
    if when is not None:
        stamp = when.timestamp()
        os.utime(path, (stamp, stamp))
    return path


@pytest.mark.parametrize("graceful", [True, False])
def test_rebuild_sees_files_added_and_deleted_behind_its_back(index, root, graceful):
    upload_a_mix(index)
    before = {p.filename: p for p in index.cache.all_files()}
    # Deleted from storage by hand: the file and its sidecar (and core metadata).
    gone = root / "other-project" / "0.1"
    shutil.rmtree(gone)
    os.rmdir(root / "other-project")
    # Added by hand (a 1.x server writing into the same directory).
    when = datetime(2023, 6, 1, 10, 0, 0, tzinfo=UTC)
    _write_1x_file(root, "newcomer", "3.1", "newcomer-3.1.tar.gz", b"\x1f\x8bnew", summary="New ✨",
                   uploader="donlan", requires_python=">=3.10", when=when)

    result = index.rebuild(graceful=graceful)
    assert result.files == 4
    if graceful:
        assert (result.added, result.removed) == (1, 1)

    after = {p.filename: p for p in index.cache.all_files()}
    assert sorted(after) == sorted(set(before) - {"other_project-0.1-py3-none-any.whl"} | {"newcomer-3.1.tar.gz"})
    for filename in set(before) & set(after):
        assert after[filename] == before[filename]
    newcomer = after["newcomer-3.1.tar.gz"]
    assert (newcomer.name, newcomer.version, newcomer.summary) == ("newcomer", "3.1", "New ✨")
    assert newcomer.last_modified == when
    assert newcomer.metadata == {"hash_sha256": hashlib.sha256(b"\x1f\x8bnew").hexdigest(),
                                 "hash_md5": hashlib.md5(b"\x1f\x8bnew").hexdigest(),
                                 "uploader": "donlan", "requires_python": ">=3.10", "size": 5}
    assert index.cache.files("other-project") == []
    assert sorted(index.cache.project_names()) == ["demo-pkg", "newcomer"]


def test_graceful_rebuild_replaces_rows_whose_sidecar_changed(index, root):
    package = upload(index, dists.sdist_filename("demo-pkg", "1.0"), dists.sdist_bytes("demo-pkg", "1.0"),
                     summary="before")
    sidecar_path = root / "demo-pkg" / "1.0" / "demo_pkg-1.0.tar.gz.meta"
    sidecar = json.loads(sidecar_path.read_text())
    sidecar["summary"] = "edited by hand"
    sidecar_path.write_text(json.dumps(sidecar))
    result = index.rebuild(graceful=True)
    assert (result.added, result.removed) == (0, 0)
    assert index.cache.fetch(package.filename).summary == "edited by hand"


def test_rebuild_of_a_1x_directory_with_one_filename_twice(index, root):
    """1.x never checked filenames against the form's version: its directories can hold
    one filename under two versions. A rebuild (and so a start) must not fail on it."""
    _write_1x_file(root, "dup", "1.0", "dup-1.0.tar.gz", b"\x1f\x8bone")
    _write_1x_file(root, "dup", "1.0.0", "dup-1.0.tar.gz", b"\x1f\x8btwo")
    for graceful in (False, True):
        result = index.rebuild(graceful=graceful)
        assert result.files == 2
        (row,) = index.cache.all_files()
        assert row.filename == "dup-1.0.tar.gz" and row.version in ("1.0", "1.0.0")
        # The row found points at bytes that exist, with their own hash.
        with index.storage.open(row) as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == row.sha256


def test_rebuild_of_2000_files(index, root, capsys, cache_url):
    start = datetime(2020, 1, 1, tzinfo=UTC)
    count = 0
    for project in range(200):
        name = f"project-{project:03d}"
        for release in range(10):
            version = f"{release}.{project % 7}"
            data = b"\x1f\x8b" + f"{name}-{version}".encode() * 3
            _write_1x_file(root, name, version, f"project_{project:03d}-{version}.tar.gz", data,
                           summary=f"Project {project} release {release} ✓", uploader="dsa",
                           requires_python=">=3.8",
                           when=start + timedelta(hours=project * 10 + release))
            count += 1
    assert count == 2_000

    started = time.perf_counter()
    result = index.rebuild(graceful=False)
    full = time.perf_counter() - started
    started = time.perf_counter()
    graceful = index.rebuild(graceful=True)
    graceful_seconds = time.perf_counter() - started
    backend = cache_url.split(":", 1)[0]
    with capsys.disabled():
        print(f"\n  rebuild of 2,000 files on {backend}: {full:.2f} s (clear and refill), "
              f"{graceful_seconds:.2f} s (graceful)")

    assert result.files == 2_000 and result.added == 2_000
    assert (graceful.files, graceful.added, graceful.removed) == (2_000, 0, 0)
    assert len(index.cache.all_files()) == 2_000
    assert len(index.cache.project_names()) == 200
    summaries = index.cache.summaries()
    assert len(summaries) == 200
    assert summaries[5].name == "project-005"
    assert summaries[5].summary == "Project 5 release 9 ✓"
    assert summaries[5].last_modified == start + timedelta(hours=59)
    sample = index.cache.fetch("project_123-4.4.tar.gz")
    assert sample.version == "4.4" and sample.metadata["uploader"] == "dsa"
    assert sample.last_modified == start + timedelta(hours=1234)


def test_rebuild_reports_progress_as_it_writes_the_cache(tmp_path):
    from ppc_shared import package_index
    from ppc_shared.cache.sql import SQLCache, create_sql_engine
    from ppc_shared.changes import ChangeFeed
    from ppc_shared.storage.file import FileStorage

    storage = FileStorage(str(tmp_path / "packages"))
    for i in range(5):
        folder = tmp_path / "packages" / "many" / f"1.{i}"
        folder.mkdir(parents=True)
        (folder / f"many-1.{i}.tar.gz").write_bytes(b"\x1f\x8b" + bytes(10))
    cache = SQLCache(create_sql_engine(f"sqlite:///{tmp_path / 'c.db'}", "db.url"))
    index = package_index.PackageIndex(storage, cache, ChangeFeed())
    seen = []
    original = package_index.REBUILD_BATCH
    package_index.REBUILD_BATCH = 2
    try:
        index.rebuild(graceful=False, progress=lambda done, total: seen.append((done, total)))
    finally:
        package_index.REBUILD_BATCH = original
        cache.close()
    assert seen[:3] == [(2, 5), (4, 5), (5, 5)] and seen[-1] == (5, 5)
