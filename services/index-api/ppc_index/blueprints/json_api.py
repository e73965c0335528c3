"""``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``, PyPI's JSON API subset."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ppc_shared.errors import NotFound
from ppc_shared.json_documents import project_document
from ppc_shared.names import same_version

from ..context import current_identity, file_url, index, policy, project_name

bp = Blueprint("json_api", __name__)


@bp.get("/pypi/<name>/json")
@bp.get("/simple/<name>/json")
@bp.get("/pypi/<name>/json/")
def project(name: str) -> Response:
    name = project_name(name)
    policy().require_project_read(current_identity(), name)
    files = index().files(name)
    if not files:
        raise NotFound(f"no project named {name!r}")
    return jsonify(project_document(name, files, lambda p: file_url(p.name, p.filename)))


@bp.get("/pypi/<name>/<version>/json")
def release(name: str, version: str) -> Response:
    name = project_name(name)
    policy().require_project_read(current_identity(), name)
    files = [p for p in index().files(name) if same_version(p.version, version)]
    if not files:
        raise NotFound(f"no release {version!r} of {name!r}")
    return jsonify(project_document(name, files, lambda p: file_url(p.name, p.filename), files[0].version))
