"""One stored file: download (and its PEP 658 metadata), upload, delete, yank."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, request, send_file

from ppc_shared.access.base import READ, WRITE
from ppc_shared.errors import BadRequest, Forbidden, NotFound, Unauthorized
from ppc_shared.json_documents import package_object

from ..context import current_identity, file_url, index, policy, project_name, settings, upstream
from .upload import store_upload

bp = Blueprint("files", __name__, url_prefix="/api/package")

METADATA_SUFFIX = ".metadata"
MAX_REASON_LENGTH = 1000


@bp.get("/<name>/<filename>")
def download(name: str, filename: str) -> Response:
    name = project_name(name)
    policy().require(current_identity(), name, READ)
    if filename.endswith(METADATA_SUFFIX):
        # PEP 658: the core metadata of <file> lives at <file URL>.metadata
        package = index().get_file(name, filename[: -len(METADATA_SUFFIX)])
        return Response(index().core_metadata(package), mimetype="text/plain",
                        headers={"Cache-Control": _cache_control()})
    try:
        package = index().get_file(name, filename)
    except NotFound:
        return _fetch_from_upstream(name, filename)
    return _send_stored(package)


def _fetch_from_upstream(name: str, filename: str) -> Response:
    """pypi.fallback = cache: a file listed upstream is fetched, stored and sent in this
    request (behaviour.md: 401/403 without cache_update, fetching nothing)."""
    config = settings()
    if config.fallback != "cache" or name in config.disallow_fallback:
        raise NotFound(f"{filename} is not a stored file of {name!r}")
    identity = current_identity()
    if not policy().in_groups(identity, config.cache_update):
        if not identity.logged_in:
            raise Unauthorized("log in to fetch packages from upstream")
        raise Forbidden("you may not fetch packages from upstream (pypi.cache_update)")
    if request.method == "HEAD":
        # uv probes with HEAD before it downloads: answer from the listing, fetch nothing.
        upstream_file = upstream().find_file(name, filename)
        response = Response(mimetype="application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        if upstream_file.size is not None:
            response.content_length = upstream_file.size
        return response
    result = upstream().start(index(), name, filename)
    if result.stored is not None:
        return _send_stored(result.stored)
    stream = result.stream
    response = Response(stream.chunks(), mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": _cache_control()})
    if stream.content_length is not None:
        # A client that gets fewer bytes (a digest mismatch ends the body early) sees an error.
        response.content_length = stream.content_length
    response.call_on_close(stream.close)
    return response


def _send_stored(package) -> Response:
    target = index().download(package)
    if target.url is not None and not settings().stream_files:
        return redirect(target.url, code=302)
    if target.path is not None:
        response = send_file(target.path, mimetype="application/octet-stream", as_attachment=True,
                             download_name=package.filename, conditional=True, etag=package.sha256 or True,
                             max_age=settings().package_max_age)
    else:
        stream = target.stream or index().storage.open(package)
        response = Response(_chunks(stream), mimetype="application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{package.filename}"'})
        if package.size is not None:
            response.content_length = package.size
    response.headers["Cache-Control"] = _cache_control()
    return response


def _chunks(stream, size: int = 1 << 16):
    with stream:
        while True:
            chunk = stream.read(size)
            if not chunk:
                return
            yield chunk


def _cache_control() -> str:
    return f"public, max-age={settings().package_max_age}"


@bp.post("/<name>/<filename>")
def upload(name: str, filename: str) -> Response:
    name = project_name(name)
    content = request.files.get("content")
    if content is not None and content.filename and content.filename != filename:
        raise BadRequest(f"the uploaded file is named {content.filename!r}, not {filename!r}")
    if content is not None:
        content.filename = filename
    return store_upload(url_name=name)


@bp.delete("/<name>/<filename>")
def delete(name: str, filename: str) -> Response:
    name = project_name(name)
    identity = current_identity()
    access = policy()
    access.require(identity, name, WRITE)
    if not access.in_groups(identity, settings().allow_delete_groups):
        raise Forbidden("you may not delete packages (pypi.allow_delete_groups)")
    try:
        package = index().get_file(name, filename)
    except NotFound as exc:
        raise BadRequest(exc.message) from None  # 1.x answers 400 for an unknown file
    index().delete(package)
    return Response(status=200)


@bp.post("/<name>/<filename>/yank")
def yank(name: str, filename: str) -> Response:
    name = project_name(name)
    policy().require(current_identity(), name, WRITE)
    reason = ""
    if request.content_length:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest('expected a JSON object such as {"reason": "..."}')
        reason = body.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON_LENGTH:
            raise BadRequest(f"reason must be a string of at most {MAX_REASON_LENGTH} characters")
    package = index().set_yanked(index().get_file(name, filename), True, " ".join(reason.split()))
    return jsonify(package_object(package, file_url(package.name, package.filename)))


@bp.delete("/<name>/<filename>/yank")
def unyank(name: str, filename: str) -> Response:
    name = project_name(name)
    policy().require(current_identity(), name, WRITE)
    package = index().set_yanked(index().get_file(name, filename), False)
    return jsonify(package_object(package, file_url(package.name, package.filename)))
