"""Files in a directory, in the layout of 1.x so its package directories serve as they are:
``<dir>/<normalised name>/<version>/<filename>`` with a ``<filename>.meta`` JSON sidecar.
We add ``<filename>.metadata`` (PEP 658 core metadata of a wheel)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, Iterator

from ..errors import Conflict, NotFound
from ..hashing import copy_stream
from ..models import PackageFile
from ..names import normalize_name
from ..settings import RawSettings
from .base import DownloadTarget, Storage

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta"
TEMP_SUFFIX = ".part"
STALE_TEMP_SECONDS = 3600
CORE_METADATA_SUFFIX = ".metadata"


def _is_stale_temp(entry: os.DirEntry) -> bool:
    if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
        return False
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
    except OSError:
        return False


def _is_storage_name(entry: str) -> bool:
    # Temp files start with "." (ours and 1.x's): never publish a partial upload.
    return not entry.startswith(".")


class FileStorage(Storage):
    def __init__(self, directory: str):
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, exist_ok=True)

    @classmethod
    def from_settings(cls, raw: RawSettings) -> "FileStorage":
        return cls(raw.path("storage.dir", required=True))

    # -- paths ----------------------------------------------------------------------------
    def _folder(self, package: PackageFile) -> str:
        folder = os.path.join(self.directory, package.name, package.version)
        # Names, versions and filenames are validated before they get here; this is the
        # last line against a path outside the directory (1.x's write-anywhere hole).
        if os.path.commonpath([self.directory, os.path.abspath(folder)]) != self.directory:
            raise NotFound("no such file")
        return folder

    def path_of(self, package: PackageFile) -> str:
        return os.path.join(self._folder(package), package.filename)

    # -- reading --------------------------------------------------------------------------
    def list(self) -> Iterator[PackageFile]:
        try:
            projects = list(os.scandir(self.directory))
        except FileNotFoundError:
            return
        for project in projects:
            if not (_is_storage_name(project.name) and project.is_dir(follow_symlinks=False)):
                continue
            for version in os.scandir(project.path):
                if not (_is_storage_name(version.name) and version.is_dir(follow_symlinks=False)):
                    continue
                yield from self._list_version(project.name, version)

    def _list_version(self, project: str, version: os.DirEntry) -> Iterator[PackageFile]:
        entries = {entry.name: entry for entry in os.scandir(version.path)}
        for filename, entry in entries.items():
            if _is_stale_temp(entry):
                # Left by a process killed mid-write (every error path removes its own);
                # a write in progress keeps its temp file young.
                _remove_quietly(entry.path)
                continue
            if (not _is_storage_name(filename) or filename.endswith(SIDECAR_SUFFIX)
                    or filename.endswith(CORE_METADATA_SUFFIX) or not entry.is_file(follow_symlinks=False)):
                continue
            sidecar: dict[str, Any] = {}
            if filename + SIDECAR_SUFFIX in entries:
                sidecar = self._read_sidecar(entry.path + SIDECAR_SUFFIX)
            stat = entry.stat(follow_symlinks=False)
            sidecar.setdefault("size", stat.st_size)
            summary = sidecar.pop("summary", "") or ""
            yield PackageFile(
                name=normalize_name(project),
                version=version.name,
                filename=filename,
                last_modified=datetime.fromtimestamp(stat.st_mtime, timezone.utc),
                summary=summary,
                metadata=sidecar,
            )

    @staticmethod
    def _read_sidecar(path: str) -> dict[str, Any]:
        try:
            with open(path, "rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            # 1.x ignores an unreadable sidecar; the file itself is still served.
            log.warning("ignoring unreadable metadata file %s: %s", os.path.basename(path), exc)
            return {}
        return data if isinstance(data, dict) else {}

    def open(self, package: PackageFile) -> BinaryIO:
        try:
            return open(self.path_of(package), "rb")
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"{package.filename} is not stored") from None

    def download(self, package: PackageFile) -> DownloadTarget:
        path = self.path_of(package)
        if not os.path.isfile(path):
            raise NotFound(f"{package.filename} is not stored")
        return DownloadTarget(path=path)

    def get_core_metadata(self, package: PackageFile) -> bytes | None:
        try:
            with open(self.path_of(package) + CORE_METADATA_SUFFIX, "rb") as handle:
                return handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return None

    # -- writing --------------------------------------------------------------------------
    def _temp_path(self, folder: str, filename: str) -> str:
        return os.path.join(folder, f".{filename}.{secrets.token_hex(8)}{TEMP_SUFFIX}")

    def _write_atomic(self, target: str, write) -> None:
        """Write through a temp file in the same folder and rename it into place."""
        temp = self._temp_path(os.path.dirname(target), os.path.basename(target))
        try:
            with open(temp, "xb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            _remove_quietly(temp)
            raise

    def upload(self, package: PackageFile, data: BinaryIO, *, overwrite: bool,
               core_metadata: bytes | None = None) -> None:
        folder = self._folder(package)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, package.filename)
        temp = self._temp_path(folder, package.filename)
        try:
            with open(temp, "xb") as handle:
                copy_stream(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            # The file's mtime is its last_modified (1.x's rule, and what a rebuild reads
            # back): make it the upload time the cache records, to the microsecond.
            stamp = _timestamp_ns(package.last_modified)
            os.utime(temp, ns=(stamp, stamp))
            if overwrite:
                os.replace(temp, target)
            else:
                # link() fails if the target exists: of racing uploads exactly one wins,
                # and nobody replaces a file that is already being served.
                try:
                    os.link(temp, target)
                except FileExistsError:
                    raise Conflict(f"{package.filename} already exists") from None
                os.unlink(temp)
        except BaseException:
            _remove_quietly(temp)
            raise
        try:
            # Data first, metadata last: a crash in between leaves a servable file whose
            # missing hashes a rebuild can recompute, never metadata without data.
            if core_metadata is not None:
                self._write_atomic(target + CORE_METADATA_SUFFIX, lambda h: h.write(core_metadata))
            self.save_metadata(package)
        except BaseException:
            for path in (target, target + CORE_METADATA_SUFFIX):
                _remove_quietly(path)
            raise

    def save_core_metadata(self, package: PackageFile, core_metadata: bytes) -> None:
        if not os.path.isfile(self.path_of(package)):
            raise NotFound(f"{package.filename} is not stored")
        self._write_atomic(self.path_of(package) + CORE_METADATA_SUFFIX, lambda h: h.write(core_metadata))

    def save_metadata(self, package: PackageFile) -> None:
        payload = json.dumps(package.sidecar(), sort_keys=True).encode()
        self._write_atomic(self.path_of(package) + SIDECAR_SUFFIX, lambda h: h.write(payload))

    def delete(self, package: PackageFile) -> None:
        path = self.path_of(package)
        for suffix in ("", SIDECAR_SUFFIX, CORE_METADATA_SUFFIX):
            _remove_quietly(path + suffix)
        # Drop emptied version and project folders so the walk stays short.
        for folder in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
            try:
                os.rmdir(folder)
            except OSError:
                break

    def check_health(self) -> tuple[bool, str]:
        if not os.path.isdir(self.directory):
            return False, "storage directory is missing"
        if not os.access(self.directory, os.W_OK | os.X_OK):
            return False, "storage directory is not writable"
        return True, ""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _timestamp_ns(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
