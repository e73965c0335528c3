"""Digests computed while bytes stream past, so nothing is read twice."""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import BinaryIO, Iterable


class MultiHasher:
    """sha256, md5 and blake2b-256 (what twine and uv send) in one pass."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._blake2b = hashlib.blake2b(digest_size=32)
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._md5.update(chunk)
        self._blake2b.update(chunk)
        self.size += len(chunk)

    def digests(self) -> dict[str, str]:
        return {
            "sha256": self._sha256.hexdigest(),
            "md5": self._md5.hexdigest(),
            "blake2b_256": self._blake2b.hexdigest(),
        }


class HashingSpoolFile:
    """A temporary file on disk that hashes what is written to it.

    Uploads are spooled here (not in memory) because a wheel must be opened as a zip to
    read its METADATA, which needs random access; the digests come for free on the way.
    """

    def __init__(self, directory: str | None = None):
        self._file = tempfile.TemporaryFile(dir=directory)
        self.hasher = MultiHasher()

    def write(self, chunk: bytes) -> int:
        self.hasher.update(chunk)
        return self._file.write(chunk)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __enter__(self) -> "HashingSpoolFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def copy_stream(source: BinaryIO, target: BinaryIO, chunk_size: int = 1 << 20) -> int:
    copied = 0
    while True:
        chunk = source.read(chunk_size)
        if not chunk:
            return copied
        target.write(chunk)
        copied += len(chunk)


def hash_stream(chunks: Iterable[bytes]) -> MultiHasher:
    hasher = MultiHasher()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher
