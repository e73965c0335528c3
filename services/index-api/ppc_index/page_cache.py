"""Rendered pages kept in memory, ready to send: body, gzipped body and ETag.

An entry is valid for the change generation it was built in; any upload, delete or yank
in any process moves the generation on, so the next request rebuilds the page. A hit
costs a dict look-up and one ``stat``: no SQL, no rendering, no compression.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from typing import Callable, Hashable

from ppc_shared.changes import ACL, PACKAGES, ChangeFeed

MIN_GZIP_BYTES = 512
# What `PageCache.peek` answers when there is no entry valid for the current generation.
MISS = object()


@dataclass(frozen=True)
class RenderedPage:
    body: bytes
    gzipped: bytes | None
    etag: str
    content_type: str


def render_page(text: str, content_type: str) -> RenderedPage:
    body = text.encode("utf-8")
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_GZIP_BYTES else None
    etag = hashlib.blake2b(body + content_type.encode(), digest_size=16).hexdigest()
    return RenderedPage(body, gzipped, etag, content_type)


class PageCache:
    def __init__(self, changes: ChangeFeed, max_entries: int = 10_000):
        self.changes = changes
        self.max_entries = max_entries
        self._pages: dict[Hashable, tuple[object, RenderedPage | None]] = {}
        self._lock = threading.Lock()

    def _generation(self) -> tuple:
        # Listings depend on who may read what, so a permission change (``acl``) drops
        # them as an upload does.
        return (self.changes.generation(PACKAGES), self.changes.generation(ACL))

    def get_or_build(self, key: Hashable, build: Callable[[], RenderedPage | None]) -> RenderedPage | None:
        generation = self._generation()
        entry = self._pages.get(key)
        if entry is not None and entry[0] == generation:
            return entry[1]
        page = build()
        if self.max_entries:
            with self._lock:
                if len(self._pages) >= self.max_entries:
                    self._pages.clear()
                self._pages[key] = (generation, page)
        return page

    def peek(self, key: Hashable) -> RenderedPage | None | object:
        """The entry for ``key`` if it is valid for the current generation (a page, or
        None for "nothing stored"), else `MISS`; never builds."""
        entry = self._pages.get(key)
        if entry is not None and entry[0] == self._generation():
            return entry[1]
        return MISS

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
