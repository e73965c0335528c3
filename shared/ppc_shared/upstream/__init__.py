"""The upstream index (PyPI by default): reading its listings and fetching its files."""

from .client import UpstreamClient, UpstreamFile, UpstreamSettings
from .errors import DigestMismatch, UpstreamTimeout, UpstreamUnavailable
from .fetch import FetchResult, UpstreamFetcher, fetch_and_store_file, store_fetched, verify_digests
from .pages import build_fallback_page

__all__ = [
    "DigestMismatch", "FetchResult", "UpstreamClient", "UpstreamFetcher", "UpstreamFile",
    "UpstreamSettings", "UpstreamTimeout", "UpstreamUnavailable", "build_fallback_page",
    "fetch_and_store_file", "store_fetched", "verify_digests",
]
