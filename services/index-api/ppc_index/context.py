"""Accessors for what a request works with, so views never import backends."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, g, request

from ppc_shared.access.policy import ANONYMOUS, AccessPolicy, Identity
from ppc_shared.errors import NotFound
from ppc_shared.names import is_valid_name, normalize_name
from ppc_shared.package_index import PackageIndex
from ppc_shared.settings import IndexSettings
from ppc_shared.upstream import UpstreamFetcher
from ppc_shared.wiring import Backends

from .page_cache import PageCache


def backends() -> Backends:
    return current_app.extensions["ppc"]


def index() -> PackageIndex:
    return backends().index


def policy() -> AccessPolicy:
    return backends().policy


def settings() -> IndexSettings:
    return backends().settings.index


def upstream() -> UpstreamFetcher:
    return current_app.extensions["ppc.upstream"]


def pages() -> PageCache:
    return current_app.extensions["ppc.pages"]


def current_identity() -> Identity:
    return g.get("identity", ANONYMOUS)


def file_url(name: str, filename: str) -> str:
    # A path from the root rather than a full URL: the page stays the same behind any
    # host name or proxy, and so can be cached once.
    return f"{request.script_root}/api/package/{name}/{quote(filename)}"


def project_name(segment: str) -> str:
    """The normalised project name of a URL segment; permissions are always looked up by
    it (1.x took them from the segment as typed)."""
    if not is_valid_name(segment):
        raise NotFound("no project by that name")
    return normalize_name(segment)
