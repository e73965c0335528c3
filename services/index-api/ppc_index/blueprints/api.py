"""1.x's JSON package API: ``/api/package/`` and ``/api/package/<name>/``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ppc_shared.access.base import READ
from ppc_shared.errors import NotFound
from ppc_shared.json_documents import package_object

from ..context import current_identity, file_url, index, policy, project_name

bp = Blueprint("api", __name__, url_prefix="/api/package")


@bp.get("/")
def all_packages() -> Response:
    identity = current_identity()
    readable = policy().readable_filter(identity)
    verbose = request.args.get("verbose", "false").lower() in ("true", "1", "yes")
    if not verbose:
        names = [name for name in sorted(index().cache.project_names()) if readable(name)]
        return jsonify({"packages": names})
    summaries = [s for s in index().cache.summaries() if readable(s.name)]
    return jsonify({"packages": [
        {"name": s.name, "summary": s.summary, "last_modified": int(s.last_modified.timestamp())}
        for s in summaries
    ]})


@bp.get("/<name>/")
def project_files(name: str) -> Response:
    name = project_name(name)
    identity = current_identity()
    access = policy()
    access.require(identity, name, READ)
    files = index().files(name)
    if not files:
        raise NotFound(f"no project named {name!r}")
    return jsonify({
        "packages": [package_object(p, file_url(p.name, p.filename)) for p in files],
        "write": access.can_write(identity, name),
    })
