"""Named locks shared by every thread and process on one host: one lock file per key,
held with ``flock``.

``flock`` belongs to an open file description, so two threads of one process that each
open the file exclude each other as two processes do. Acquiring polls with a short sleep
instead of blocking in the kernel: under gevent a blocking ``flock`` would stop every
greenlet of the worker. Across hosts, storage's atomic create-if-absent is the last word
(of two racing stores exactly one wins); these locks only spare the duplicate work.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import tempfile
import time
from typing import Mapping

POLL_SECONDS = 0.05


class HeldLock:
    def __init__(self, fd: int):
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> "HeldLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class FileLocks:
    def __init__(self, directory: str):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def for_identity(cls, identity: str) -> "FileLocks":
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return cls(os.path.join(tempfile.gettempdir(), f"ppc-locks-{digest}"))

    @classmethod
    def for_storage(cls, storage_settings: Mapping[str, str]) -> "FileLocks":
        """Locks shared by everything on this host that writes to the same storage."""
        return cls.for_identity("|".join(f"{k}={v}" for k, v in sorted(storage_settings.items())))

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, hashlib.sha256(key.encode()).hexdigest() + ".lock")

    def try_acquire(self, key: str) -> HeldLock | None:
        fd = os.open(self._path(key), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return None
            raise
        return HeldLock(fd)

    def acquire(self, key: str, timeout: float) -> HeldLock:
        deadline = time.monotonic() + timeout
        while True:
            held = self.try_acquire(key)
            if held is not None:
                return held
            if time.monotonic() >= deadline:
                raise TimeoutError(f"lock {key!r} is still held after {timeout:.0f} s")
            time.sleep(POLL_SECONDS)
