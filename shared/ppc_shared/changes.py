"""Change generations: how every process serving the index learns that a project changed,
so cached pages are dropped at once instead of after a timeout.

Reading the generation is one ``stat`` call; a change appends one byte to the stamp file
(``O_APPEND`` is atomic), so its size only ever grows and every change is seen. The bus (Redis pub/sub) carries the same signal between hosts.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile


class ChangeFeed:
    """In-process generations (tests, a single process)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._generation = 0

    def generation(self) -> object:
        return self._generation

    def notify(self) -> None:
        self._generation = next(self._counter)


class StampFileChangeFeed(ChangeFeed):
    """Generations shared by every process on one host through a stamp file."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        if not os.path.exists(path):
            self.notify()

    @classmethod
    def for_identity(cls, identity: str) -> "StampFileChangeFeed":
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return cls(os.path.join(tempfile.gettempdir(), f"ppc-changes-{digest}"))

    def generation(self) -> object:
        try:
            return os.stat(self.path).st_size
        except FileNotFoundError:
            return None

    def notify(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
