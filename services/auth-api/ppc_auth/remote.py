"""PyPICloud 1.x's remote-access protocol, server side, under ``/remote/``.

A 1.x server with ``pypi.auth = remote`` and ``auth.backend_server = http://<auth-api>/remote``
asks these (GET with query parameters, HTTP Basic credentials of the calling service).
1.x sends ``/verify`` as a GET with the password in the query string: accepted for
compatibility; our own client POSTs a form. No password is ever written to a log (the
access log of the WSGI server records the path; put a proxy that strips query strings
in front of a 1.x client, or use POST).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from ppc_shared.credentials import parse_basic
from ppc_shared.errors import BadRequest, Unauthorized
from ppc_shared.names import normalize_name
from ppc_shared.passwords import verify_password

from .context import access, auth_settings, backends

bp = Blueprint("remote", __name__, url_prefix="/remote")

# The in-process transport (``ppc_shared.access.remote.WSGITransport``) marks its calls
# with this WSGI environ key; a client's headers arrive as HTTP_*, so only code can set it.
TRUSTED_ENVIRON_KEY = "ppc.remote.trusted"


@bp.before_request
def check_service_credentials() -> None:
    if request.environ.get(TRUSTED_ENVIRON_KEY) is True:
        return
    header = request.headers.get("Authorization")
    if not header:
        raise Unauthorized("the remote-access protocol needs the calling service's credentials")
    username, password = parse_basic(header)
    auth = auth_settings()
    if auth.remote_user and hmac.compare_digest(username.encode(), auth.remote_user.encode()):
        if verify_password(_service_context(), password, auth.remote_password_hash):
            return
        raise Unauthorized("invalid service credentials")
    # An admin of this server may call the protocol too (handy with curl).
    identity = backends().policy.authenticate(username, password)
    if identity is None or not identity.is_admin:
        raise Unauthorized("invalid service credentials")


_CONTEXT = None


def _service_context():
    global _CONTEXT
    if _CONTEXT is None:
        from ppc_shared.passwords import make_context

        _CONTEXT = make_context()
    return _CONTEXT


def _arg(name: str, *, required: bool = True) -> str | None:
    value = request.values.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"missing parameter {name!r}")
        return None
    return value


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    username = _arg("username")
    password = request.values.get("password") or ""
    return jsonify(bool(access().verify_user(username, password)))


@bp.get("/groups")
def groups():
    return jsonify(access().groups(_arg("username", required=False)))


@bp.get("/group_members")
def group_members():
    return jsonify(access().group_members(_arg("group")))


@bp.get("/admin")
def admin():
    return jsonify(bool(access().is_admin(_arg("username"))))


@bp.get("/group_permissions")
def group_permissions():
    return jsonify(access().group_permissions(normalize_name(_arg("package"))))


@bp.get("/user_permissions")
def user_permissions():
    return jsonify(access().user_permissions(normalize_name(_arg("package"))))


@bp.get("/user_package_permissions")
def user_package_permissions():
    return jsonify(access().user_package_permissions(_arg("username")))


@bp.get("/group_package_permissions")
def group_package_permissions():
    return jsonify(access().group_package_permissions(_arg("group")))


@bp.get("/user_data")
def user_data():
    return jsonify(access().user_data(_arg("username", required=False)))


@bp.get("/package_acls")
def package_acls():
    """Beyond 1.x: the whole ACL in one answer, so our client fills its snapshot with one
    call instead of one per user and group. {package: {"users": {...}, "groups": {...}}}"""
    snapshot = {}
    for package, acl in sorted(access().package_acls().items()):
        snapshot[package] = {
            "users": {name: sorted(perms) for name, perms in sorted(acl.users.items()) if perms},
            "groups": {name: sorted(perms) for name, perms in sorted(acl.groups.items()) if perms},
        }
    return jsonify(snapshot)
