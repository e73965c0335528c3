"""Choosing HTML or JSON (PEP 691) and sending a cached page with ETag, 304 and gzip."""

from __future__ import annotations

from flask import Response, request

from .page_cache import RenderedPage

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
JSON_LATEST = "application/vnd.pypi.simple.latest+json"
HTML_LATEST = "application/vnd.pypi.simple.latest+html"
TEXT_HTML = "text/html"

# Ties (``*/*``) go to the first: HTML, the PEP 503 default.
_OFFERED = [TEXT_HTML, HTML_V1, HTML_LATEST, JSON_V1, JSON_LATEST]
_FORMAT_ALIASES = {"json": JSON_V1, "html": HTML_V1, JSON_LATEST: JSON_V1, HTML_LATEST: HTML_V1}


def simple_format() -> str:
    """The media type to answer with: ``?format=`` wins, then ``Accept`` with q-values.
    When nothing offered fits, HTML (PEP 691 lets a server pick its default)."""
    wanted = request.args.get("format")
    if wanted:
        wanted = wanted.replace(" ", "+")  # an unescaped "+" in a query string reads as a space
        wanted = _FORMAT_ALIASES.get(wanted, wanted)
        if wanted in (JSON_V1, HTML_V1, TEXT_HTML):
            return wanted
    if "Accept" not in request.headers:
        return TEXT_HTML
    best = request.accept_mimetypes.best_match(_OFFERED)
    if best is None:
        return TEXT_HTML
    return _FORMAT_ALIASES.get(best, best)


def is_json(media_type: str) -> bool:
    return media_type.endswith("+json")


def send_page(page: RenderedPage, *, cache_control: str = "max-age=0, must-revalidate, private",
              vary: str = "Accept, Accept-Encoding, Authorization") -> Response:
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
