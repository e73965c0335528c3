"""The file storage backend, in 1.x's layout: ``<dir>/<name>/<version>/<filename>`` with a
``<filename>.meta`` JSON sidecar, plus our ``<filename>.metadata`` (PEP 658)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ppc_shared.errors import Conflict, NotFound
from ppc_shared.models import PackageFile
from ppc_shared.settings import RawSettings
from ppc_shared.storage import create_storage
from ppc_shared.storage.file import FileStorage

from tests import dists

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "packages"


@pytest.fixture
def storage(root) -> FileStorage:
    return FileStorage(str(root))


def pkg(name: str = "demo-pkg", version: str = "1.0", filename: str | None = None, *,
        summary: str = "", data: bytes | None = None, **metadata) -> PackageFile:
    if data is not None:
        metadata.setdefault("hash_sha256", hashlib.sha256(data).hexdigest())
        metadata.setdefault("hash_md5", hashlib.md5(data).hexdigest())
        metadata.setdefault("size", len(data))
    return PackageFile(name, version, filename or f"{name.replace('-', '_')}-{version}.tar.gz",
                       T0, summary, metadata)


def tree(root: Path) -> list[str]:
    """Every file and folder under root, relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def listed(storage: FileStorage) -> dict[str, PackageFile]:
    found = {}
    for package in storage.list():
        assert package.filename not in found
        found[package.filename] = package
    return found


def mtime_utc(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


# -- settings ---------------------------------------------------------------------------------
def test_created_from_settings_relative_to_the_config_folder(tmp_path):
    raw = RawSettings({"pypi.storage": "file", "storage.dir": "pkgs"}, env={}, here=str(tmp_path))
    storage = create_storage(raw)
    assert isinstance(storage, FileStorage)
    assert storage.directory == str(tmp_path / "pkgs")
    assert (tmp_path / "pkgs").is_dir()


# -- upload -------------------------------------------------------------------------------
def test_upload_writes_the_1x_layout_and_sidecar(storage, root):
    data = dists.wheel_bytes("demo-pkg", "1.0", summary="Demo ✓", requires_python=">=3.8")
    core = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\n"
    package = pkg(filename=dists.wheel_filename("demo-pkg", "1.0"), summary="Demo ✓", data=data,
                  requires_python=">=3.8", uploader="dsa",
                  core_metadata_sha256=hashlib.sha256(core).hexdigest())
    storage.upload(package, io.BytesIO(data), overwrite=False, core_metadata=core)

    path = root / "demo-pkg" / "1.0" / "demo_pkg-1.0-py3-none-any.whl"
    assert path.read_bytes() == data
    assert tree(root) == ["demo-pkg", "demo-pkg/1.0", "demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl",
                          "demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl.meta",
                          "demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl.metadata"]
    sidecar = json.loads(Path(str(path) + ".meta").read_text("utf-8"))
    # 1.x's keys, with 1.x's names ...
    assert sidecar["summary"] == "Demo ✓"
    assert sidecar["requires_python"] == ">=3.8"
    assert sidecar["hash_sha256"] == hashlib.sha256(data).hexdigest()
    assert sidecar["hash_md5"] == hashlib.md5(data).hexdigest()
    assert sidecar["uploader"] == "dsa"
    # ... and ours beside them.
    assert sidecar["size"] == len(data)
    assert sidecar["core_metadata_sha256"] == hashlib.sha256(core).hexdigest()
    assert Path(str(path) + ".metadata").read_bytes() == core
    assert storage.get_core_metadata(package) == core

    (found,) = storage.list()
    assert found.name == "demo-pkg" and found.version == "1.0" and found.filename == package.filename
    assert found.summary == "Demo ✓"
    assert found.metadata == package.metadata
    assert found.last_modified == mtime_utc(path)
    # The upload time is the file's mtime, so a listing gives back exactly what was stored.
    assert found.last_modified == package.last_modified
    assert found == package


def test_empty_metadata_values_are_not_written(storage, root):
    package = pkg(data=b"\x1f\x8bdata", uploader="", requires_python="")
    storage.upload(package, io.BytesIO(b"\x1f\x8bdata"), overwrite=False)
    sidecar = json.loads((root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz.meta").read_text())
    assert set(sidecar) == {"hash_sha256", "hash_md5", "size"}
    assert not (root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz.metadata").exists()
    assert storage.get_core_metadata(package) is None


def test_open_and_download(storage, root):
    package = pkg(data=b"abc")
    storage.upload(package, io.BytesIO(b"abc"), overwrite=False)
    with storage.open(package) as handle:
        assert handle.read() == b"abc"
    target = storage.download(package)
    assert target.path == str(root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz")
    missing = pkg(version="9.9")
    with pytest.raises(NotFound):
        storage.open(missing)
    with pytest.raises(NotFound):
        storage.download(missing)
    assert storage.get_core_metadata(missing) is None


@pytest.mark.parametrize("name, version", [("demo", "../../escape"), ("..", "escape"),
                                           ("demo", "/abs/path"), ("/abs", "path")])
def test_paths_outside_the_directory_are_refused(storage, root, name, version):
    package = PackageFile(name, version, "demo-1.0.tar.gz", T0)
    with pytest.raises(NotFound):
        storage.upload(package, io.BytesIO(b"x"), overwrite=True)
    with pytest.raises(NotFound):
        storage.open(package)
    assert not (root.parent / "escape").exists()
    assert not Path("/abs/path").exists()


def test_upload_without_overwrite_of_an_existing_file_is_a_conflict(storage, root):
    original = pkg(summary="original", data=b"original bytes", uploader="dsa")
    storage.upload(original, io.BytesIO(b"original bytes"), overwrite=False)
    folder = root / "demo-pkg" / "1.0"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    with pytest.raises(Conflict):
        storage.upload(pkg(summary="intruder", data=b"other bytes", uploader="evil"),
                       io.BytesIO(b"other bytes"), overwrite=False, core_metadata=b"Name: x\n")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temp files either
    assert (folder / "demo_pkg-1.0.tar.gz").read_bytes() == b"original bytes"
    (found,) = storage.list()
    assert found.summary == "original" and found.metadata["uploader"] == "dsa"


def test_upload_with_overwrite_replaces_bytes_and_sidecar(storage, root):
    storage.upload(pkg(summary="one", data=b"one"), io.BytesIO(b"one"), overwrite=False)
    storage.upload(pkg(summary="two", data=b"two"), io.BytesIO(b"two"), overwrite=True)
    folder = root / "demo-pkg" / "1.0"
    assert sorted(p.name for p in folder.iterdir()) == ["demo_pkg-1.0.tar.gz", "demo_pkg-1.0.tar.gz.meta"]
    assert (folder / "demo_pkg-1.0.tar.gz").read_bytes() == b"two"
    (found,) = storage.list()
    assert found.summary == "two" and found.sha256 == hashlib.sha256(b"two").hexdigest()


@pytest.mark.parametrize("round_", range(10))
def test_racing_uploads_of_one_filename_exactly_one_wins(storage, root, round_):
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    payloads = [(f"racer {n} ".encode() * 30_000)[: 200_000 + n] for n in range(threads_count)]
    results: list[object] = [None] * threads_count

    class Racing(io.BytesIO):
        def read(self, size=-1):
            chunk = super().read(min(size, 16_384) if size and size > 0 else 16_384)
            if not chunk:  # everyone has copied all its bytes: now all finish at once
                barrier.wait(timeout=30)
            return chunk

    def racer(n: int) -> None:
        try:
            storage.upload(pkg(summary=f"racer {n}", data=payloads[n]), Racing(payloads[n]),
                           overwrite=False)
            results[n] = "ok"
        except Conflict:
            results[n] = "conflict"
        except BaseException as exc:  # noqa: BLE001
            results[n] = exc

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("ok") == 1, results
    assert results.count("conflict") == threads_count - 1, results
    winner = results.index("ok")

    folder = root / "demo-pkg" / "1.0"
    assert sorted(p.name for p in folder.iterdir()) == ["demo_pkg-1.0.tar.gz", "demo_pkg-1.0.tar.gz.meta"]
    stored = (folder / "demo_pkg-1.0.tar.gz").read_bytes()
    sidecar = json.loads((folder / "demo_pkg-1.0.tar.gz.meta").read_text())
    assert stored == payloads[winner]
    assert sidecar["hash_sha256"] == hashlib.sha256(stored).hexdigest()
    assert sidecar["size"] == len(stored)
    assert sidecar["summary"] == f"racer {winner}"


class FailingStream:
    """Yields a few chunks, then its source breaks (a client that disconnects)."""

    def __init__(self, chunks_before_failure: int = 3):
        self.left = chunks_before_failure

    def read(self, size=-1):
        if self.left == 0:
            raise OSError("connection reset by peer")
        self.left -= 1
        return b"\x1f\x8b" + b"x" * 65_534


def test_a_failing_stream_leaves_nothing_behind(storage, root):
    package = pkg(summary="doomed", data=b"irrelevant")
    with pytest.raises(OSError, match="connection reset"):
        storage.upload(package, FailingStream(), overwrite=False, core_metadata=b"Name: demo-pkg\n")
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files == []  # no file, no temp file, no sidecar, no core metadata
    assert list(storage.list()) == []
    with pytest.raises(NotFound):
        storage.open(package)
    # The same filename can be uploaded afterwards.
    storage.upload(package, io.BytesIO(b"good"), overwrite=False)
    assert (root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz").read_bytes() == b"good"


def test_a_failing_stream_with_overwrite_keeps_the_stored_file(storage, root):
    original = pkg(summary="original", data=b"original")
    storage.upload(original, io.BytesIO(b"original"), overwrite=False)
    folder = root / "demo-pkg" / "1.0"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(OSError):
        storage.upload(pkg(summary="replacement"), FailingStream(), overwrite=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_partial_upload_is_never_listed(storage, root):
    seen_while_copying: list[list[PackageFile]] = []
    storage.upload(pkg("other", "1.0", data=b"o"), io.BytesIO(b"o"), overwrite=False)

    class Watching(io.BytesIO):
        def read(self, size=-1):
            chunk = super().read(1000)
            if chunk:
                seen_while_copying.append(list(storage.list()))
            return chunk

    storage.upload(pkg(data=b"d" * 5000), Watching(b"d" * 5000), overwrite=False)
    assert len(seen_while_copying) == 5
    assert all([p.filename for p in seen] == ["other-1.0.tar.gz"] for seen in seen_while_copying)
    assert sorted(listed(storage)) == ["demo_pkg-1.0.tar.gz", "other-1.0.tar.gz"]


# -- reading a 1.x directory --------------------------------------------------------------------
def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_lists_a_1x_directory_written_by_hand(storage, root):
    sdist = dists.sdist_bytes("mypkg", "1.0")
    meta = {"summary": "My package ✓", "requires_python": ">=3.6",
            "hash_sha256": hashlib.sha256(sdist).hexdigest(), "hash_md5": hashlib.md5(sdist).hexdigest(),
            "uploader": "stevearc"}
    with_sidecar = write(root / "mypkg" / "1.0" / "mypkg-1.0.tar.gz", sdist)
    write(root / "mypkg" / "1.0" / "mypkg-1.0.tar.gz.meta", json.dumps(meta))
    no_sidecar = write(root / "mypkg" / "1.1" / "mypkg-1.1-py3-none-any.whl", b"PK\x03\x04wheel")
    bad_sidecar = write(root / "other" / "2.0" / "other-2.0.tar.gz", b"\x1f\x8bother")
    write(root / "other" / "2.0" / "other-2.0.tar.gz.meta", b"{not json at all")
    list_sidecar = write(root / "other" / "2.1" / "other-2.1.tar.gz", b"\x1f\x8bother21")
    write(root / "other" / "2.1" / "other-2.1.tar.gz.meta", b'["a", "list"]')
    binary_sidecar = write(root / "other" / "2.2" / "other-2.2.zip", b"PK\x03\x04zip")
    write(root / "other" / "2.2" / "other-2.2.zip.meta", b"\xff\xfe\x00garbage")
    null_summary = write(root / "third" / "0.1" / "third-0.1.tar.gz", b"\x1f\x8bthird")
    write(root / "third" / "0.1" / "third-0.1.tar.gz.meta", b'{"summary": null, "uploader": "dsa"}')
    # What must never be listed: 1.x's temp files (data and sidecar), ours, hidden folders,
    # orphan sidecars and metadata files, and stray files at the wrong depth.
    write(root / "mypkg" / "1.0" / ".mypkg-1.0.tar.gz.1a2b3c4d", b"partial 1.x upload")
    write(root / "mypkg" / "1.0" / ".metadata.1a2b3c4d", b'{"summary": "partial"}')
    write(root / "mypkg" / "1.0" / ".mypkg-1.0.tar.gz.0011223344556677.part", b"partial upload")
    write(root / "mypkg" / "1.0" / ".mypkg-1.0.tar.gz.meta.0011223344556677.part", b"{}")
    write(root / "mypkg" / ".hidden-version" / "mypkg-9.tar.gz", b"hidden")
    write(root / ".trash" / "1.0" / "gone-1.0.tar.gz", b"hidden")
    write(root / "mypkg" / "1.2" / "mypkg-1.2.tar.gz.meta", json.dumps({"summary": "orphan"}))
    write(root / "mypkg" / "1.2" / "mypkg-1.2-py3-none-any.whl.metadata", b"Name: mypkg\n")
    write(root / "README.txt", b"a stray file at the top")
    write(root / "mypkg" / "notes.txt", b"a stray file in a project folder")
    (root / "mypkg" / "1.0" / "a-subfolder").mkdir()

    found = listed(storage)
    assert sorted(found) == ["mypkg-1.0.tar.gz", "mypkg-1.1-py3-none-any.whl", "other-2.0.tar.gz",
                             "other-2.1.tar.gz", "other-2.2.zip", "third-0.1.tar.gz"]

    one = found["mypkg-1.0.tar.gz"]
    assert (one.name, one.version, one.summary) == ("mypkg", "1.0", "My package ✓")
    assert one.metadata == {**{k: v for k, v in meta.items() if k != "summary"}, "size": len(sdist)}
    assert one.last_modified == mtime_utc(with_sidecar)

    for filename, path in (("mypkg-1.1-py3-none-any.whl", no_sidecar), ("other-2.0.tar.gz", bad_sidecar),
                           ("other-2.1.tar.gz", list_sidecar), ("other-2.2.zip", binary_sidecar)):
        package = found[filename]
        assert package.summary == ""
        assert package.metadata == {"size": path.stat().st_size}, filename
        assert package.last_modified == mtime_utc(path)
    assert (found["mypkg-1.1-py3-none-any.whl"].name, found["mypkg-1.1-py3-none-any.whl"].version) == ("mypkg", "1.1")
    assert (found["third-0.1.tar.gz"].summary, found["third-0.1.tar.gz"].metadata) == (
        "", {"uploader": "dsa", "size": null_summary.stat().st_size})

    # A listed file can be read back through the storage.
    with storage.open(one) as handle:
        assert handle.read() == sdist


def test_a_1x_file_keeps_its_mtime_as_last_modified(storage, root):
    path = write(root / "old" / "0.1" / "old-0.1.tar.gz", b"\x1f\x8bold")
    moment = datetime(2019, 5, 17, 8, 9, 10, 654321, tzinfo=UTC)
    ns = int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
    os.utime(path, ns=(ns, ns))
    (found,) = storage.list()
    assert found.last_modified == moment


def test_listing_an_empty_or_missing_directory(tmp_path):
    storage = FileStorage(str(tmp_path / "new"))
    assert list(storage.list()) == []
    os.rmdir(tmp_path / "new")
    assert list(storage.list()) == []


# -- metadata and delete ------------------------------------------------------------------------
def test_save_metadata_rewrites_only_the_sidecar(storage, root):
    package = pkg(summary="s", data=b"bytes")
    storage.upload(package, io.BytesIO(b"bytes"), overwrite=False)
    path = root / "demo-pkg/1.0/demo_pkg-1.0.tar.gz"
    stat_before = path.stat()
    package.metadata.update(yanked=True, yanked_reason="broken build")
    storage.save_metadata(package)
    assert path.read_bytes() == b"bytes"
    assert path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert path.stat().st_ino == stat_before.st_ino
    (found,) = storage.list()
    assert found.yanked and found.yanked_reason == "broken build"
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo_pkg-1.0.tar.gz", "demo_pkg-1.0.tar.gz.meta"]


def test_delete_removes_file_sidecar_metadata_and_empty_folders(storage, root):
    wheel = dists.wheel_bytes("demo-pkg", "1.0")
    package = pkg(filename=dists.wheel_filename("demo-pkg", "1.0"), data=wheel)
    storage.upload(package, io.BytesIO(wheel), overwrite=False, core_metadata=b"Name: demo-pkg\n")
    keep = pkg(version="2.0", data=b"two")
    storage.upload(keep, io.BytesIO(b"two"), overwrite=False)

    storage.delete(package)
    assert tree(root) == ["demo-pkg", "demo-pkg/2.0", "demo-pkg/2.0/demo_pkg-2.0.tar.gz",
                          "demo-pkg/2.0/demo_pkg-2.0.tar.gz.meta"]
    storage.delete(keep)
    assert tree(root) == []
    assert root.is_dir()  # the storage directory itself stays
    storage.delete(keep)  # a missing file is not an error
    assert list(storage.list()) == []


def test_delete_keeps_a_folder_with_other_entries(storage, root):
    package = pkg(data=b"x")
    storage.upload(package, io.BytesIO(b"x"), overwrite=False)
    write(root / "demo-pkg" / "1.0" / ".leftover.part", b"someone else's temp file")
    storage.delete(package)
    assert tree(root) == ["demo-pkg", "demo-pkg/1.0", "demo-pkg/1.0/.leftover.part"]


# -- memory and health ------------------------------------------------------------------------
class LazyStream:
    """``total`` bytes produced on demand, never all held in memory."""

    def __init__(self, total: int):
        self.left = total
        self.hasher = hashlib.sha256()
        self.block = bytes(range(256)) * 4096  # 1 MiB, made before measuring
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else size
        size = min(size, self.left, len(self.block))
        start = self.offset % 251
        chunk = self.block[start:start + size] if start + size <= len(self.block) else self.block[:size]
        self.offset += 1
        self.left -= len(chunk)
        self.hasher.update(chunk)
        return chunk


def test_uploading_200_mb_keeps_memory_flat(storage, root):
    import resource

    total = 200 * 1024 * 1024
    stream = LazyStream(total)
    package = pkg("big", "1.0", summary="big")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        storage.upload(package, stream, overwrite=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    path = root / "big" / "1.0" / "big-1.0.tar.gz"
    try:
        assert path.stat().st_size == total
        assert peak < 8 * 1024 * 1024, f"peak traced allocation {peak / 2**20:.1f} MiB"
        assert rss_growth < 64 * 1024, f"peak RSS grew by {rss_growth / 1024:.1f} MiB"
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        assert digest.hexdigest() == stream.hasher.hexdigest()
    finally:
        path.unlink(missing_ok=True)


def test_check_health(tmp_path):
    storage = FileStorage(str(tmp_path / "pkgs"))
    assert storage.check_health() == (True, "")
    os.rmdir(tmp_path / "pkgs")
    healthy, reason = storage.check_health()
    assert healthy is False and "missing" in reason


def test_the_walk_removes_temp_files_a_killed_process_left_and_keeps_young_ones(tmp_path):
    import time as _time

    from ppc_shared.storage.file import STALE_TEMP_SECONDS, FileStorage

    folder = tmp_path / "store" / "demo" / "1.0"
    folder.mkdir(parents=True)
    (folder / "demo-1.0.tar.gz").write_bytes(b"\x1f\x8b data")
    stale = folder / ".demo-1.0.tar.gz.0123456789abcdef.part"
    young = folder / ".demo-1.0.tar.gz.fedcba9876543210.part"
    stale.write_bytes(b"half")
    young.write_bytes(b"writing")
    old = _time.time() - STALE_TEMP_SECONDS - 60
    import os as _os

    _os.utime(stale, (old, old))
    listed = [p.filename for p in FileStorage(str(tmp_path / "store")).list()]
    assert listed == ["demo-1.0.tar.gz"]
    assert not stale.exists() and young.exists()
