"""Choosing HTML or JSON (PEP 691) and sending a cached page with ETag, 304 and gzip."""

from __future__ import annotations

from functools import lru_cache

from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_etags

from .page_cache import RenderedPage

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
JSON_LATEST = "application/vnd.pypi.simple.latest+json"
HTML_LATEST = "application/vnd.pypi.simple.latest+html"
TEXT_HTML = "text/html"

# Ties (``*/*``) go to the first: HTML, the PEP 503 default.
_OFFERED = [TEXT_HTML, HTML_V1, HTML_LATEST, JSON_V1, JSON_LATEST]
_FORMAT_ALIASES = {"json": JSON_V1, "html": HTML_V1, JSON_LATEST: JSON_V1, HTML_LATEST: HTML_V1}

DEFAULT_CACHE_CONTROL = "max-age=0, must-revalidate, private"
DEFAULT_VARY = "Accept, Accept-Encoding, Authorization"


@lru_cache(maxsize=512)
def media_type_for(wanted: str | None, accept: str | None) -> str:
    """The media type to answer with: ``?format=`` (``wanted``) wins, then the ``Accept``
    header with q-values. When nothing offered fits, HTML (PEP 691 lets a server pick its
    default). A pure function of the two strings, so answers are memoised: installers send
    the same few ``Accept`` values over and over (bounded, so odd values cannot grow it)."""
    if wanted:
        wanted = wanted.replace(" ", "+")  # an unescaped "+" in a query string reads as a space
        wanted = _FORMAT_ALIASES.get(wanted, wanted)
        if wanted in (JSON_V1, HTML_V1, TEXT_HTML):
            return wanted
    if accept is None:
        return TEXT_HTML
    best = parse_accept_header(accept, MIMEAccept).best_match(_OFFERED)
    if best is None:
        return TEXT_HTML
    return _FORMAT_ALIASES.get(best, best)


def simple_format() -> str:
    """`media_type_for` the current request."""
    return media_type_for(request.args.get("format"), request.headers.get("Accept"))


def is_json(media_type: str) -> bool:
    return media_type.endswith("+json")


def send_page(page: RenderedPage, *, cache_control: str = DEFAULT_CACHE_CONTROL,
              vary: str = DEFAULT_VARY) -> Response:
    etag = f'W/"{page.etag}"'
    headers = {"ETag": etag, "Vary": vary, "Cache-Control": cache_control}
    if request.if_none_match and request.if_none_match.contains_weak(page.etag):
        return Response(status=304, headers=headers)
    body = page.body
    if page.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = page.gzipped
        headers["Content-Encoding"] = "gzip"
    response = Response(body, headers=headers, content_type=page.content_type)
    return response


def page_wsgi_response(page: RenderedPage, if_none_match: str | None, accept_encoding: str | None,
                       ) -> tuple[str, list[tuple[str, str]], bytes]:
    """What `send_page` (with its default headers) answers, as plain WSGI status, headers
    and body, for the fast path that serves cached pages without building a request and a
    response object. Byte for byte the same answer (``bench/check_identical.py``)."""
    etag = f'W/"{page.etag}"'
    if if_none_match:
        etags = parse_etags(if_none_match)
        if etags and etags.contains_weak(page.etag):
            return "304 NOT MODIFIED", [("ETag", etag), ("Vary", DEFAULT_VARY),
                                        ("Cache-Control", DEFAULT_CACHE_CONTROL)], b""
    if page.gzipped is not None and accept_encoding and "gzip" in accept_encoding:
        body = page.gzipped
        return "200 OK", [("ETag", etag), ("Vary", DEFAULT_VARY), ("Cache-Control", DEFAULT_CACHE_CONTROL),
                          ("Content-Encoding", "gzip"), ("Content-Type", page.content_type),
                          ("Content-Length", str(len(body)))], body
    body = page.body
    return "200 OK", [("ETag", etag), ("Vary", DEFAULT_VARY), ("Cache-Control", DEFAULT_CACHE_CONTROL),
                      ("Content-Type", page.content_type), ("Content-Length", str(len(body)))], body
