"""Fetch-and-store: a file that is listed upstream but not stored is downloaded once,
checked against the digest the upstream published, stored with its hashes and metadata,
and handed to the caller in the same request while it arrives.

Of many requests for one file at the same moment, one (the leader, holding the file's
lock) downloads; the others wait until it is stored and then serve it from storage. The
leader passes each chunk on as it arrives but holds back the last one until the digest
is verified and the file stored: a client therefore receives the complete file only if it
was kept, and a mismatch or a broken upstream ends its download short (an error for every
installer) instead of handing it unverified bytes. Memory stays one chunk: the bytes are
spooled to a temp file on disk, which storage then takes.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Iterator

from ..core_metadata import validate_requires_python
from ..errors import BadRequest, Conflict, NotFound
from ..hashing import HashingSpoolFile
from ..locks import FileLocks, HeldLock
from ..models import PackageFile
from ..names import normalize_name, parse_filename
from ..package_index import PackageIndex
from ..settings import Settings
from ..uploads import UploadForm, check_upload
from .client import UpstreamClient, UpstreamDownload, UpstreamFile
from .errors import DigestMismatch, UpstreamTimeout, UpstreamUnavailable

log = logging.getLogger(__name__)

# Digests we compute while the bytes stream past (hashing.MultiHasher).
_VERIFIABLE = ("sha256", "blake2b_256", "md5")


def verify_digests(upstream_file: UpstreamFile, computed: dict[str, str]) -> None:
    """Raise DigestMismatch unless every digest the upstream published that we can compute
    matches. A file published without any digest we know is taken as it comes (PEP 503
    makes hashes optional)."""
    checked = False
    for algorithm in _VERIFIABLE:
        published = upstream_file.hashes.get(algorithm)
        if published:
            checked = True
            if not hmac.compare_digest(published.lower(), computed[algorithm]):
                raise DigestMismatch(
                    f"the upstream's {upstream_file.filename} does not match its published {algorithm}; "
                    "it was not stored")
    if not checked:
        log.info("upstream publishes no sha256/md5/blake2b for %s: stored unverified", upstream_file.filename)


def store_fetched(index: PackageIndex, name: str, upstream_file: UpstreamFile,
                  spool: HashingSpoolFile) -> PackageFile:
    """Store a verified upstream file (validated like an upload), with its upstream
    Requires-Python and yanked state. Idempotent: if it is already stored, that copy is
    kept and returned."""
    try:
        requires_python = validate_requires_python(upstream_file.requires_python or "")
    except BadRequest:
        requires_python = ""
    checked = check_upload(UploadForm(filename=upstream_file.filename, requires_python=requires_python),
                           spool, uploader=None, calculate_hashes=True, url_name=name)
    package = checked.package
    if upstream_file.yanked is not False:
        package.metadata["yanked"] = True
        package.metadata["yanked_reason"] = upstream_file.yanked if isinstance(upstream_file.yanked, str) else ""
    spool.seek(0)
    try:
        index.storage.upload(package, spool, overwrite=False, core_metadata=checked.core_metadata)
    except Conflict:
        existing = index.cache.fetch(package.filename)
        if existing is not None:
            return existing
        # Stored by another host whose cache row is not written yet: the stored copy wins.
        return package
    index.cache.save(package)
    index.changes.notify()
    log.info("stored %s from upstream (%s bytes)", package.filename, package.size)
    return package


@dataclass
class FetchResult:
    """Either the file is stored (``stored``), or this caller leads its fetch and reads it
    from ``chunks()`` (which stores it before the last chunk)."""

    stored: PackageFile | None = None
    stream: "FetchStream | None" = None


class FetchStream:
    def __init__(self, fetcher: "UpstreamFetcher", index: PackageIndex, name: str,
                 upstream_file: UpstreamFile, download: UpstreamDownload, lock: HeldLock):
        self._fetcher = fetcher
        self._index = index
        self._name = name
        self.upstream_file = upstream_file
        self._download = download
        self._lock = lock
        self.content_length = download.content_length
        self.package: PackageFile | None = None

    def chunks(self) -> Iterator[bytes]:
        spool = HashingSpoolFile()
        try:
            held = None
            upstream_chunks = self._download.chunks()
            for chunk in upstream_chunks:
                spool.write(chunk)
                if held is not None:
                    try:
                        yield held
                    except GeneratorExit:
                        # The client hung up (uv reads a wheel's head, then closes): finish
                        # the fetch anyway, so the next request finds the file stored.
                        self._finish(upstream_chunks, spool)
                        raise
                held = chunk
            self._complete(spool)
            if held is not None:
                yield held
        except Exception as exc:
            log.warning("fetching %s from upstream failed: %s", self.upstream_file.filename, exc)
            raise
        finally:
            spool.close()
            self.close()

    def _complete(self, spool: HashingSpoolFile) -> None:
        if self.content_length is not None and spool.hasher.size != self.content_length:
            raise UpstreamUnavailable(f"the upstream sent {spool.hasher.size} of {self.content_length} "
                                      f"bytes of {self.upstream_file.filename}")
        verify_digests(self.upstream_file, spool.hasher.digests())
        self.package = store_fetched(self._index, self._name, self.upstream_file, spool)

    def _finish(self, rest: Iterator[bytes], spool: HashingSpoolFile) -> None:
        try:
            for chunk in rest:
                spool.write(chunk)
            self._complete(spool)
        except Exception as exc:
            log.warning("finishing %s after the client left failed: %s", self.upstream_file.filename, exc)

    def close(self) -> None:
        self._download.close()
        self._lock.release()

    def read_all(self) -> PackageFile:
        """Download and store without a client (the worker's job)."""
        for _chunk in self.chunks():
            pass
        assert self.package is not None
        return self.package


class UpstreamFetcher:
    """The fallback's upstream side: listings, and fetch-and-store with per-file locks."""

    def __init__(self, client: UpstreamClient, locks: FileLocks, wait_seconds: float = 120.0,
                 disallowed: frozenset[str] = frozenset()):
        self.client = client
        self.locks = locks
        self.wait_seconds = wait_seconds
        # pypi.disallow_fallback (normalised): never looked up or fetched, for anyone.
        self.disallowed = disallowed

    @classmethod
    def from_settings(cls, settings: Settings) -> "UpstreamFetcher":
        raw = settings.raw
        client = UpstreamClient.from_settings(settings)
        storage_keys = {"pypi.storage": raw.str("pypi.storage", "file") or "file",
                        **raw.keys_with_prefix("storage.")}
        wait = float(raw.int("upstream.fetch_wait_seconds", 120, minimum=1))
        return cls(client, FileLocks.for_storage(storage_keys), wait, settings.index.disallow_fallback)

    def listing(self, name: str) -> list[UpstreamFile]:
        name = normalize_name(name)
        if name in self.disallowed:
            raise NotFound(f"no project named {name!r}")
        return self.client.project_files(name)

    def find_file(self, name: str, filename: str) -> UpstreamFile:
        """The upstream's listing entry of ``filename``, without fetching it (a HEAD
        request is answered from this)."""
        if normalize_name(name) in self.disallowed:
            raise NotFound(f"{filename} is not stored")
        try:
            belongs = parse_filename(filename).name == normalize_name(name)
        except BadRequest:
            belongs = False
        if not belongs:
            # Checked before any byte moves: the file must be one of this project's.
            raise NotFound(f"{filename} is not a file of {name!r}")
        return self.client.find_file(name, filename)

    def start(self, index: PackageIndex, name: str, filename: str) -> FetchResult:
        """Stored already → that file. Else wait for whoever is fetching it, or lead the
        fetch. Raises NotFound (not upstream), UpstreamUnavailable (502), UpstreamTimeout (504)."""
        stored = _stored(index, name, filename)
        if stored is not None:
            return FetchResult(stored=stored)
        upstream_file = self.find_file(name, filename)
        key = f"fetch:{name}/{filename}"
        deadline = time.monotonic() + self.wait_seconds
        while True:
            lock = self.locks.try_acquire(key)
            # Checked after taking the lock too: the leader may have just finished.
            stored = _stored(index, name, filename)
            if stored is not None:
                if lock is not None:
                    lock.release()
                return FetchResult(stored=stored)
            if lock is not None:
                break
            if time.monotonic() >= deadline:
                raise UpstreamTimeout(f"{filename} is still being fetched from upstream; try again")
            time.sleep(0.05)
        try:
            download = self.client.open_file(upstream_file)
        except BaseException:
            lock.release()
            raise
        return FetchResult(stream=FetchStream(self, index, name, upstream_file, download, lock))

    def fetch_and_store(self, index: PackageIndex, name: str, filename: str) -> PackageFile:
        """The whole fetch without a client: idempotent, safe to run concurrently."""
        result = self.start(index, name, filename)
        if result.stored is not None:
            return result.stored
        assert result.stream is not None
        return result.stream.read_all()


def _stored(index: PackageIndex, name: str, filename: str) -> PackageFile | None:
    try:
        return index.get_file(name, filename)
    except NotFound:
        return None


def fetch_and_store_file(index: PackageIndex, fetcher: UpstreamFetcher, name: str, filename: str) -> PackageFile:
    """What the worker's fetch task runs: make sure ``filename`` of ``name`` is stored."""
    return fetcher.fetch_and_store(index, normalize_name(name), filename)
