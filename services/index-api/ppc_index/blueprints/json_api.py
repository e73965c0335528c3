"""``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``, PyPI's JSON API subset."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, request

from ppc_shared.errors import NotFound, Unauthorized
from ppc_shared.fallback import Outcome
from ppc_shared.json_documents import project_document
from ppc_shared.models import PackageFile
from ppc_shared.names import same_version

from ..context import current_identity, file_url, index, policy, project_name, settings
from .simple import page_outcome

bp = Blueprint("json_api", __name__)


@bp.get("/pypi/<name>/json")
@bp.get("/simple/<name>/json")
@bp.get("/pypi/<name>/json/")
def project(name: str) -> Response:
    name = project_name(name)
    files = _readable_files(name)
    if isinstance(files, Response):
        return files
    return jsonify(project_document(name, files, lambda p: file_url(p.name, p.filename)))


@bp.get("/pypi/<name>/<version>/json")
def release(name: str, version: str) -> Response:
    name = project_name(name)
    files = _readable_files(name)
    if isinstance(files, Response):
        return files
    files = [p for p in files if same_version(p.version, version)]
    if not files:
        raise NotFound(f"no release {version!r} of {name!r}")
    return jsonify(project_document(name, files, lambda p: file_url(p.name, p.filename), files[0].version))


def _readable_files(name: str) -> list[PackageFile] | Response:
    """The project's stored files, or the answer the fallback tables give instead (as
    for its simple page): 401, 404, or a redirect to the same path upstream, as 1.x."""
    files = index().files(name)
    outcome = page_outcome(policy(), settings(), current_identity(), name, stored=bool(files))
    if outcome is Outcome.UNAUTHORIZED:
        raise Unauthorized("log in to read this project")
    if outcome is Outcome.REDIRECT:
        return redirect(settings().fallback_base_url + request.path, code=302)
    if outcome is Outcome.NOT_FOUND or not files:
        raise NotFound(f"no project named {name!r}")
    return files
