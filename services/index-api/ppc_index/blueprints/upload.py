"""The legacy upload API (what twine, ``uv publish`` and 1.x clients send)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ppc_shared.access.base import WRITE
from ppc_shared.errors import BadRequest
from ppc_shared.json_documents import package_object
from ppc_shared.names import parse_filename, validate_name
from ppc_shared.uploads import UploadForm

from ..context import current_identity, file_url, index, policy, settings
from . import search

bp = Blueprint("upload", __name__)

_XML_TYPES = ("text/xml", "application/xml")


@bp.post("/simple/")
@bp.post("/simple")
@bp.post("/pypi/")
@bp.post("/pypi")
@bp.post("/")
def legacy_upload() -> Response:
    if request.mimetype in _XML_TYPES and request.path.rstrip("/") == "/pypi":
        return search.handle_xmlrpc()  # 1.x serves XML-RPC search and uploads on one URL
    return store_upload(url_name=None)


def store_upload(url_name: str | None) -> Response:
    """Check permissions and store the file of a multipart upload."""
    if request.mimetype != "multipart/form-data":
        raise BadRequest(f"expected a multipart/form-data upload, got {request.mimetype or 'no content type'!r}")
    action = request.form.get(":action", "file_upload")
    if action != "file_upload":
        raise BadRequest(f"unsupported :action {action!r}: only file_upload is accepted")
    content = request.files.get("content")
    if content is None:
        raise BadRequest("missing the file field 'content'")
    form = UploadForm(
        filename=content.filename or "",
        name=request.form.get("name") or None,
        version=request.form.get("version") or None,
        summary=request.form.get("summary"),
        requires_python=request.form.get("requires_python"),
        digests={k: request.form.get(k, "") for k in ("sha256_digest", "md5_digest", "blake2_256_digest")},
    )
    name = validate_name(url_name or form.name or parse_filename(form.filename).name)
    identity = current_identity()
    access = policy()
    access.require(identity, name, WRITE)
    package = index().upload(
        form, content.stream, identity.username,
        may_overwrite=access.in_groups(identity, settings().allow_overwrite_groups),
        url_name=url_name,
    )
    return jsonify(package_object(package, file_url(package.name, package.filename)))
