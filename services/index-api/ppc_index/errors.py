"""The one place where errors become responses: JSON ``{"error", "message"}`` with the
status kept, a Basic challenge on 401, and never a stack trace or a path."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from ppc_shared.errors import PPCError, Unauthorized

from .context import settings

log = logging.getLogger(__name__)


def _reason(message: str) -> str:
    # twine shows the reason phrase (PyPI puts the message there); keep it one safe line.
    text = " ".join(message.split())
    return text.encode("ascii", "replace").decode("ascii")[:200]


def error_response(status: int, key: str, message: str) -> Response:
    body = json.dumps({"error": key, "message": message})
    response = Response(body + "\n", status=status, mimetype="application/json")
    response.status = f"{status} {_reason(message)}"
    if status == 401:
        response.headers["WWW-Authenticate"] = f'Basic realm="{settings().realm}"'
    return response


def _domain_error(error: PPCError) -> Response:
    return error_response(error.status, error.key, error.message)


def _http_error(error: HTTPException) -> Response:
    if error.code is None or error.code >= 500:
        log.error("server error: %s", error)
    key = (error.name or "error").lower().replace(" ", "_")
    message = error.description or error.name
    if error.code == 413:
        message = f"the request body is larger than the limit of {settings().max_upload_bytes} bytes"
    response = error_response(error.code or 500, key, message)
    if error.code == 405 and error.response is None:
        valid = getattr(error, "valid_methods", None)
        if valid:
            response.headers["Allow"] = ", ".join(valid)
    if 300 <= (error.code or 0) < 400:
        return error.get_response()
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal", "internal server error")


def init_app(app: Flask) -> None:
    app.register_error_handler(PPCError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


__all__ = ["error_response", "init_app", "Unauthorized"]
