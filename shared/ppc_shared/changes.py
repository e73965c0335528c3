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
import threading

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

    def close(self) -> None:
        """Stop listening (feeds that listen)."""


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


class RedisChangeFeed(ChangeFeed):
    """Generations shared between hosts over Redis pub/sub (the distributed setup).

    Reading stays local (a dict look-up): a background listener moves a topic's generation
    on when any process publishes a change. If the listener loses Redis it moves every
    topic on (cached answers are dropped, never kept past a change it might have missed)
    and reconnects.
    """

    def __init__(self, url: str, prefix: str = "ppc:changes:"):
        import redis

        super().__init__()
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        self._stopped = threading.Event()
        self._subscribed = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="ppc-change-feed", daemon=True)
        self._listener.start()
        self._subscribed.wait(5)

    def notify(self, topic: str = PACKAGES) -> None:
        super().notify(topic)
        self._redis.publish(self.prefix + topic, b"1")

    def _bump_all(self) -> None:
        for topic in set(self._generations) | {PACKAGES, ACL}:
            super().notify(topic)

    def _listen(self) -> None:
        delay = 0.1
        while not self._stopped.is_set():
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(self.prefix + "*")
                self._subscribed.set()
                delay = 0.1
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "pmessage":
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        super().notify(channel[len(self.prefix):])
            except Exception:  # redis errors of every kind: drop caches, then reconnect
                self._bump_all()
                self._stopped.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    pubsub.close()
                except Exception:
                    pass

    def close(self) -> None:
        self._stopped.set()
        self._listener.join(timeout=3)
        self._redis.close()
