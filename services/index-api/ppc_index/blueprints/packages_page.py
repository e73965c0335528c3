"""``/packages/``: every readable file on one page (pip ``--find-links``, buildout)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ppc_shared.simple_pages import render_file_links_html

from ..context import current_identity, file_url, index, pages, policy
from ..negotiation import send_page
from ..page_cache import render_page

bp = Blueprint("packages_page", __name__)


@bp.get("/packages/")
def all_files() -> Response:
    identity = current_identity()
    root = request.script_root

    def build():
        readable = policy().readable_filter(identity)
        files = sorted((p for p in index().cache.all_files() if readable(p.name)), key=lambda p: p.filename)
        links = [(file_url(p.name, p.filename) + (f"#sha256={p.sha256}" if p.sha256 else ""), p.filename)
                 for p in files]
        return render_page(render_file_links_html("All packages", links), "text/html; charset=utf-8")

    return send_page(pages().get_or_build(("packages", identity.principals_key, root), build))
