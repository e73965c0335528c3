"""PEP 503 / PEP 691 simple pages: ``/simple/``, ``/simple/<name>/`` and the 1.x aliases."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from ppc_shared.access.policy import AccessPolicy, Identity
from ppc_shared.errors import NotFound, Unauthorized
from ppc_shared.fallback import Outcome, project_page_outcome
from ppc_shared.names import is_valid_name, normalize_name
from ppc_shared.settings import IndexSettings
from ppc_shared.simple_pages import (
    build_project_page, render_index_html, render_index_json, render_project_html,
    render_project_json,
)
from ppc_shared.upstream import UpstreamTimeout, UpstreamUnavailable, build_fallback_page

from ..context import current_identity, file_url, index, pages, policy, settings, upstream
from ..negotiation import is_json, send_page, simple_format
from ..page_cache import render_page

bp = Blueprint("simple", __name__)


@bp.get("/simple/")
@bp.get("/pypi/")
@bp.get("/")
def project_list() -> Response:
    identity = current_identity()
    media_type = simple_format()
    root = request.script_root

    def build():
        names = policy().filter_readable(identity, sorted(index().cache.project_names()))
        if is_json(media_type):
            return render_page(render_index_json(names), media_type)
        html = render_index_html(names, lambda name: f"{root}/simple/{name}/")
        return render_page(html, _html_type(media_type))

    page = pages().get_or_build(("index", identity.principals_key, media_type, root), build)
    return send_page(page)


@bp.get("/simple/<name>/")
@bp.get("/pypi/<name>/")
def project_page(name: str) -> Response:
    if not is_valid_name(name):
        raise NotFound("no project by that name")
    normalized = normalize_name(name)
    if normalized != name:
        # PEP 503: one URL per project; clients follow the redirect.
        target = request.path.replace(f"/{name}/", f"/{normalized}/", 1)
        query = request.query_string.decode("latin-1")
        return redirect(target + (f"?{query}" if query else ""), code=301)

    identity = current_identity()
    media_type = simple_format()
    root = request.script_root

    def build():
        files = index().files(normalized)
        if not files:
            return None
        page = build_project_page(normalized, files, lambda p: file_url(p.name, p.filename))
        if is_json(media_type):
            return render_page(render_project_json(page), media_type)
        return render_page(render_project_html(page), _html_type(media_type))

    # `fast_path.SimpleFastPath` answers the cached Outcome.LIST case without Flask: keep
    # the two in step (bench/check_identical.py compares them).
    page = pages().get_or_build(("project", normalized, media_type, root), build)
    config = settings()
    outcome = page_outcome(policy(), config, identity, normalized, stored=page is not None)
    if outcome is Outcome.UNAUTHORIZED:
        raise Unauthorized("log in to read this project")
    if outcome is Outcome.REDIRECT:
        return redirect(config.fallback_base_url + request.path, code=302)
    if outcome in _UPSTREAM_LINKS:
        return _fallback_page(normalized, media_type, via_us=outcome is not Outcome.LIST_WITH_REDIRECT_LINKS)
    if outcome is Outcome.NOT_FOUND or page is None:
        raise NotFound(f"no project named {normalized!r}")
    return send_page(page)


_UPSTREAM_LINKS = (Outcome.LIST_WITH_REDIRECT_LINKS, Outcome.LIST_WITH_CACHE_LINKS, Outcome.UPSTREAM_CACHE_LINKS)


def _fallback_page(normalized: str, media_type: str, *, via_us: bool) -> Response:
    """Stored files plus the upstream's others, linked to the upstream (redirect links)
    or to our fetch-and-store URL (cache links). With the upstream down, a stored project
    is still served (its own files); an unstored one gets the 502/504."""
    stored = index().files(normalized)
    try:
        upstream_files = upstream().listing(normalized)
    except NotFound:
        upstream_files = []
    except (UpstreamUnavailable, UpstreamTimeout):
        if not stored:
            raise
        upstream_files = []
    if not stored and not upstream_files:
        raise NotFound(f"no project named {normalized!r}")
    link = (lambda f: file_url(normalized, f.filename)) if via_us else None
    page = build_fallback_page(normalized, stored, upstream_files, lambda p: file_url(p.name, p.filename), link)
    if is_json(media_type):
        return send_page(render_page(render_project_json(page), media_type))
    return send_page(render_page(render_project_html(page), _html_type(media_type)))


def page_outcome(access: AccessPolicy, config: IndexSettings, identity: Identity, normalized: str, *,
                 stored: bool) -> Outcome:
    return project_page_outcome(
        stored=stored,
        can_read=access.can_read(identity, normalized),
        can_update_cache=access.in_groups(identity, config.cache_update),
        logged_in=identity.logged_in,
        fallback=config.fallback,
        always_show_upstream=config.always_show_upstream,
        disallowed=normalized in config.disallow_fallback,
    )


def _html_type(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type == "text/html" else media_type
