"""Reading an upstream index (PyPI by default): a project's files, and one file's bytes.

A project's files are read from its simple page, asking for PEP 691 JSON first and taking
PEP 503 HTML when that is what comes back; when the upstream has no simple page for the
project (or serves nothing usable there) and ``pypi.use_json_scraper`` is on, from PyPI's
``/pypi/<name>/json``. Every path keeps what installers need: ``requires-python``, yanked
state and reason, and the hashes (1.x lost Requires-Python in its scraper, issue 219).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Iterator
from urllib.parse import quote, urldefrag, urljoin

import requests

from ..errors import NotFound
from ..names import normalize_name
from ..settings import Settings
from .errors import UpstreamTimeout, UpstreamUnavailable

log = logging.getLogger(__name__)

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
# What pip sends: JSON preferred, HTML accepted.
SIMPLE_ACCEPT = f"{PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
CHUNK_SIZE = 1 << 16
_HASH_NAMES = ("sha256", "sha384", "sha512", "blake2b_256", "md5")


@dataclass(frozen=True)
class UpstreamFile:
    filename: str
    url: str  # absolute
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool | str = False  # False, True, or the reason (PEP 691)
    size: int | None = None
    core_metadata_sha256: str | None = None


@dataclass(frozen=True)
class UpstreamSettings:
    base_url: str
    use_json_scraper: bool
    connect_timeout: float
    read_timeout: float
    listing_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "UpstreamSettings":
        raw, index = settings.raw, settings.index
        return cls(
            base_url=index.fallback_base_url,
            use_json_scraper=index.use_json_scraper,
            connect_timeout=float(raw.int("upstream.connect_timeout", 5, minimum=1)),
            read_timeout=float(raw.int("upstream.timeout", 30, minimum=1)),
            listing_seconds=float(raw.int("upstream.listing_cache_seconds", 60, minimum=0)),
        )


class _LinkParser(HTMLParser):
    """The anchors of a PEP 503 page with their data-* attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data):
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._current is not None:
            self.links.append((self._current, "".join(self._text).strip()))
            self._current = None


def _metadata_sha256(value) -> str | None:
    if isinstance(value, dict):
        return value.get("sha256")
    if isinstance(value, str) and value.startswith("sha256="):
        return value[len("sha256="):]
    return None


def parse_simple_html(text: str, page_url: str) -> list[UpstreamFile]:
    parser = _LinkParser()
    parser.feed(text)
    found = []
    for attrs, label in parser.links:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(page_url, href))
        filename = label or url.rsplit("/", 1)[-1]
        hashes = {}
        algorithm, sep, digest = fragment.partition("=")
        if sep and algorithm in _HASH_NAMES and digest:
            hashes[algorithm] = digest.lower()
        yanked: bool | str = False
        if "data-yanked" in attrs:
            yanked = attrs["data-yanked"] or True
        core = attrs.get("data-core-metadata") or attrs.get("data-dist-info-metadata")
        found.append(UpstreamFile(
            filename=filename, url=url, hashes=hashes,
            requires_python=(attrs.get("data-requires-python") or None),
            yanked=yanked, core_metadata_sha256=_metadata_sha256(core),
        ))
    return found


def parse_simple_json(document: dict, page_url: str) -> list[UpstreamFile]:
    found = []
    for item in document.get("files") or []:
        if not isinstance(item, dict) or not item.get("filename") or not item.get("url"):
            continue
        hashes = {k: str(v).lower() for k, v in (item.get("hashes") or {}).items() if k in _HASH_NAMES and v}
        yanked = item.get("yanked", False)
        if not isinstance(yanked, (bool, str)):
            yanked = bool(yanked)
        size = item.get("size")
        found.append(UpstreamFile(
            filename=item["filename"], url=urljoin(page_url, item["url"]), hashes=hashes,
            requires_python=item.get("requires-python") or None,
            yanked=yanked or False,
            size=size if isinstance(size, int) else None,
            core_metadata_sha256=_metadata_sha256(item.get("core-metadata", item.get("dist-info-metadata"))),
        ))
    return found


def parse_json_api(document: dict, page_url: str) -> list[UpstreamFile]:
    """``/pypi/<name>/json`` (PyPI's JSON API, also served by 1.x and by us)."""
    found = []
    for files in (document.get("releases") or {}).values():
        for item in files or []:
            if not isinstance(item, dict) or not item.get("filename") or not item.get("url"):
                continue
            digests = item.get("digests") or {}
            if not digests and item.get("md5_digest"):
                digests = {"md5": item["md5_digest"]}
            hashes = {k: str(v).lower() for k, v in digests.items() if k in _HASH_NAMES and v}
            yanked: bool | str = False
            if item.get("yanked"):
                yanked = item.get("yanked_reason") or True
            size = item.get("size")
            found.append(UpstreamFile(
                filename=item["filename"], url=urljoin(page_url, item["url"]), hashes=hashes,
                requires_python=item.get("requires_python") or None, yanked=yanked,
                size=size if isinstance(size, int) else None,
            ))
    return found


class UpstreamClient:
    """One upstream index. Listings are kept for ``upstream.listing_cache_seconds`` so a
    project page with upstream links does not cost a round trip per request."""

    def __init__(self, config: UpstreamSettings, session: requests.Session | None = None):
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.trust_env = False  # no proxies or netrc from the environment
        self._session.headers["User-Agent"] = "pypicloud2-fallback"
        self._listings: dict[str, tuple[float, list[UpstreamFile]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "UpstreamClient":
        return cls(UpstreamSettings.from_settings(settings))

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    # -- listings -------------------------------------------------------------------------
    def project_files(self, name: str) -> list[UpstreamFile]:
        """The upstream's files of project ``name``; raises NotFound when it has none,
        UpstreamUnavailable (502) or UpstreamTimeout (504) when it cannot be read."""
        name = normalize_name(name)
        now = time.monotonic()
        cached = self._listings.get(name)
        if cached is not None and cached[0] > now:
            if not cached[1]:
                raise NotFound(f"no project named {name!r} upstream")
            return cached[1]
        files = self._read_project(name)
        if self.config.listing_seconds > 0:
            with self._lock:
                if len(self._listings) > 10_000:
                    self._listings.clear()
                self._listings[name] = (now + self.config.listing_seconds, files)
        if not files:
            raise NotFound(f"no project named {name!r} upstream")
        return files

    def find_file(self, name: str, filename: str) -> UpstreamFile:
        for upstream_file in self.project_files(name):
            if upstream_file.filename == filename:
                return upstream_file
        raise NotFound(f"{filename} is not a file of {name!r} upstream")

    def forget(self, name: str) -> None:
        self._listings.pop(normalize_name(name), None)

    def _read_project(self, name: str) -> list[UpstreamFile]:
        page_url = f"{self.base_url}/simple/{quote(name)}/"
        response = self._get(page_url, headers={"Accept": SIMPLE_ACCEPT})
        files: list[UpstreamFile] | None = None
        if response.status_code == 200:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            try:
                if content_type.endswith("+json") or content_type == "application/json":
                    files = parse_simple_json(response.json(), response.url)
                else:
                    files = parse_simple_html(response.text, response.url)
            except ValueError:
                log.warning("upstream simple page for %s is not readable; trying its JSON API", name)
        elif response.status_code not in (404, 410):
            raise UpstreamUnavailable(f"the upstream index answered {response.status_code} for {name!r}")
        if files is None and self.config.use_json_scraper:
            json_url = f"{self.base_url}/pypi/{quote(name)}/json"
            response = self._get(json_url, headers={"Accept": "application/json"})
            if response.status_code == 200:
                try:
                    files = parse_json_api(response.json(), response.url)
                except ValueError:
                    raise UpstreamUnavailable(f"the upstream JSON API sent an unreadable answer for {name!r}") from None
            elif response.status_code not in (404, 410):
                raise UpstreamUnavailable(f"the upstream index answered {response.status_code} for {name!r}")
        return files or []

    def _get(self, url: str, **kwargs) -> requests.Response:
        try:
            return self._session.get(url, timeout=self.timeout, allow_redirects=True, **kwargs)
        except requests.Timeout:
            raise UpstreamTimeout("the upstream index did not answer in time") from None
        except requests.RequestException as exc:
            log.warning("upstream %s: %s", url, exc)
            raise UpstreamUnavailable("the upstream index cannot be reached") from None

    # -- files ----------------------------------------------------------------------------
    def open_file(self, upstream_file: UpstreamFile) -> "UpstreamDownload":
        try:
            response = self._session.get(upstream_file.url, timeout=self.timeout, stream=True,
                                         allow_redirects=True, headers={"Accept-Encoding": "identity"})
        except requests.Timeout:
            raise UpstreamTimeout(f"the upstream index did not send {upstream_file.filename} in time") from None
        except requests.RequestException as exc:
            log.warning("upstream %s: %s", upstream_file.url, exc)
            raise UpstreamUnavailable("the upstream index cannot be reached") from None
        if response.status_code != 200:
            response.close()
            if response.status_code in (404, 410):
                raise NotFound(f"{upstream_file.filename} is not available upstream")
            raise UpstreamUnavailable(
                f"the upstream index answered {response.status_code} for {upstream_file.filename}")
        return UpstreamDownload(response, upstream_file.filename)


class UpstreamDownload:
    """An open upstream file: its length when known, and its bytes in chunks."""

    def __init__(self, response: requests.Response, filename: str):
        self._response = response
        self.filename = filename
        length = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        self.content_length = int(length) if length and length.isdigit() and not encoded else None

    def chunks(self) -> Iterator[bytes]:
        try:
            for chunk in self._response.iter_content(CHUNK_SIZE):
                if chunk:
                    yield chunk
        except requests.Timeout:
            raise UpstreamTimeout(f"the upstream index stalled while sending {self.filename}") from None
        except requests.RequestException:
            raise UpstreamUnavailable(f"the upstream index broke off while sending {self.filename}") from None

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> "UpstreamDownload":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
