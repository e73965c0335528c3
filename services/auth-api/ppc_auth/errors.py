"""The one place where errors become responses (as in index-api): JSON ``{"error",
"message"}`` with the status kept, a Basic challenge on 401, never a trace or a secret."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException

from ppc_shared.errors import PPCError

log = logging.getLogger(__name__)


def error_response(status: int, key: str, message: str) -> Response:
    body = json.dumps({"error": key, "message": message})
    response = Response(body + "\n", status=status, mimetype="application/json")
    if status == 401:
        realm = current_app.extensions["ppc"].settings.index.realm
        response.headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
    return response


def _domain_error(error: PPCError) -> Response:
    return error_response(error.status, error.key, error.message)


def _http_error(error: HTTPException) -> Response:
    if 300 <= (error.code or 0) < 400:
        return error.get_response()
    if error.code is None or error.code >= 500:
        log.error("server error: %s", error)
    key = (error.name or "error").lower().replace(" ", "_")
    response = error_response(error.code or 500, key, error.description or error.name)
    if error.code == 405:
        valid = getattr(error, "valid_methods", None)
        if valid:
            response.headers["Allow"] = ", ".join(valid)
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "internal", "internal server error")


def init_app(app: Flask) -> None:
    app.register_error_handler(PPCError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
