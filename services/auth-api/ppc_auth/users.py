"""Self-service: register (``PUT /api/user/<name>``), change one's own password
(``POST /api/user/password``), and register with a signup token."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ppc_shared.access.base import validate_password
from ppc_shared.access.tokens import check_token
from ppc_shared.errors import BadRequest, Forbidden

from .context import access, auth_settings, mutable_access, param_str, params, require_login

bp = Blueprint("users", __name__)


@bp.post("/api/user/password")
def change_password():
    identity = require_login()
    data = params()
    old = param_str(data, "old_password")
    new = validate_password(param_str(data, "new_password"))
    backend = mutable_access()
    if not access().verify_user(identity.username, old):
        raise Forbidden("the old password is wrong")
    backend.set_password(identity.username, new)
    return jsonify({})


@bp.put("/api/user/<username>")
def register(username: str):
    data = params()
    password = validate_password(param_str(data, "password"))
    became_admin = mutable_access().register(username, password)
    return jsonify({"username": username, "admin": became_admin, "pending": not became_admin}), 201


def token_register():
    """``PUT /acct/tokenRegister`` (1.x's path) and ``PUT /api/user/token``: a signup
    token from an admin plus a password creates an approved user."""
    data = params()
    key = auth_settings().signing_key
    if not key:
        raise BadRequest("signup tokens are off on this server")
    username = check_token(key, param_str(data, "token"), auth_settings().token_expire)
    password = validate_password(param_str(data, "password"))
    mutable_access().create_user(username, password)  # Conflict if the token was used
    return jsonify({"username": username}), 201


bp.add_url_rule("/api/user/token", "token_register", token_register, methods=["PUT", "POST"])
bp.add_url_rule("/acct/tokenRegister", "acct_token_register", token_register, methods=["PUT", "POST"])
