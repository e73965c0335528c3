"""Change generations: how every process serving the index learns that something changed,
so cached answers are dropped at once instead of after a timeout.

A generation is an opaque value per topic (``packages``: files were uploaded, deleted or
yanked; ``acl``: users, groups or permissions changed). Readers compare it with the one
their cached answer was built in. Reading it must be cheap (it is on the hot path); a
change must be seen by every process that shares the data.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile

PACKAGES = "packages"
ACL = "acl"


class ChangeFeed:
    """In-process generations (tests, a single process)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._generations: dict[str, int] = {}

    def generation(self, topic: str = PACKAGES) -> object:
        return self._generations.get(topic, 0)

    def notify(self, topic: str = PACKAGES) -> None:
        self._generations[topic] = next(self._counter)


class StampFileChangeFeed(ChangeFeed):
    """Generations shared by every process on one host through one stamp file per topic.

    Reading is one ``stat`` call; a change appends one byte (``O_APPEND`` is atomic), so
    the size only ever grows and every change is seen.
    """

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    @classmethod
    def for_identity(cls, identity: str) -> "StampFileChangeFeed":
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return cls(os.path.join(tempfile.gettempdir(), f"ppc-changes-{digest}"))

    def _path(self, topic: str) -> str:
        return self.path if topic == PACKAGES else f"{self.path}-{topic}"

    def generation(self, topic: str = PACKAGES) -> object:
        try:
            return os.stat(self._path(topic)).st_size
        except FileNotFoundError:
            return 0

    def notify(self, topic: str = PACKAGES) -> None:
        fd = os.open(self._path(topic), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
