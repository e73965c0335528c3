"""The admin REST API of the docs (``/admin/...``): admins only."""

from __future__ import annotations

import gzip
import json

from flask import Blueprint, Response, current_app, jsonify, request

from ppc_shared.access.base import validate_password, validate_permission
from ppc_shared.access.tokens import make_token
from ppc_shared import bus
from ppc_shared.errors import BadRequest, NotFound
from ppc_shared.names import normalize_name, validate_name

from .context import access, auth_settings, mutable_access, param_bool, param_str, params, require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> None:
    require_admin()


def _done(status: int = 200):
    return jsonify({}), status


@bp.get("/rebuild")
def rebuild():
    """Queue a cache rebuild for the worker (graceful with ``db.graceful_reload``); the
    answer says where to follow it (``GET /api/jobs/<id>``)."""
    job_id = bus.queue_job(current_app.extensions["ppc.bus"], bus.REBUILD_CACHE, graceful=None)
    response = jsonify({"id": job_id, "state": "PENDING", "url": f"{request.script_root}/api/jobs/{job_id}"})
    response.status_code = 202
    return response


@bp.get("/acl.json.gz")
def acl_dump():
    body = gzip.compress(json.dumps(access().dump(), indent=2).encode(), mtime=0)
    return Response(body, mimetype="application/gzip",
                    headers={"Content-Disposition": 'attachment; filename="acl.json.gz"'})


@bp.post("/register")
def set_register():
    mutable_access().set_allow_register(param_bool(params(), "allow"))
    return _done()


@bp.get("/register")
def get_register():
    backend = access()
    return jsonify({"allow": bool(getattr(backend, "allow_register", lambda: False)())})


@bp.get("/pending_users")
def pending_users():
    return jsonify(mutable_access().pending_users())


@bp.get("/token/<username>")
def token(username: str):
    key = auth_settings().signing_key
    if not key:
        raise BadRequest("signup tokens are off: set auth.signing_key (or PPC_AUTH_SIGNING_KEY)")
    mutable_access()
    if access().user_exists(username) or username in mutable_access().pending_users():
        raise BadRequest(f"a user named {username!r} exists")
    value = make_token(key, username)
    return jsonify({"token": value, "token_url": f"{request.host_url}login#/?token={value}"})


# -- users ---------------------------------------------------------------------------------
@bp.get("/user")
def list_users():
    return jsonify(access().user_data())


def _user(username: str) -> dict:
    data = access().user_data(username)
    if data is None:
        raise NotFound(f"no user named {username!r}")
    return data


@bp.get("/user/<username>")
def get_user(username: str):
    return jsonify(_user(username))


@bp.get("/user/<username>/permissions")
def user_permissions(username: str):
    _user(username)
    return jsonify(access().user_package_permissions(username))


@bp.delete("/user/<username>")
def delete_user(username: str):
    mutable_access().delete_user(username)
    return _done()


@bp.put("/user/<username>")
def create_user(username: str):
    data = params()
    password = validate_password(param_str(data, "password"))
    admin = param_bool(data, "admin") if "admin" in data else False
    mutable_access().create_user(username, password, admin=admin)
    return _done(201)


@bp.post("/user/<username>/approve")
def approve_user(username: str):
    mutable_access().approve_user(username)
    return _done()


@bp.post("/user/<username>/admin")
def set_admin(username: str):
    mutable_access().set_admin(username, param_bool(params(), "admin"))
    return _done()


@bp.put("/user/<username>/group/<group>")
def add_to_group(username: str, group: str):
    mutable_access().edit_user_group(username, group, True)
    return _done()


@bp.delete("/user/<username>/group/<group>")
def remove_from_group(username: str, group: str):
    mutable_access().edit_user_group(username, group, False)
    return _done()


# -- groups --------------------------------------------------------------------------------
@bp.get("/group")
def list_groups():
    return jsonify(access().groups())


@bp.get("/group/<group>")
def get_group(group: str):
    if group not in access().groups():
        raise NotFound(f"no group named {group!r}")
    return jsonify({"members": access().group_members(group),
                    "packages": access().group_package_permissions(group)})


@bp.put("/group/<group>")
def create_group(group: str):
    mutable_access().create_group(group)
    return _done(201)


@bp.delete("/group/<group>")
def delete_group(group: str):
    mutable_access().delete_group(group)
    return _done()


# -- package permissions -------------------------------------------------------------------
@bp.get("/package/<package>")
def package_permissions(package: str):
    name = normalize_name(package)
    return jsonify({
        "user": [{"username": user, "permissions": perms}
                 for user, perms in access().user_permissions(name).items()],
        "group": [{"group": group, "permissions": perms}
                  for group, perms in access().group_permissions(name).items()],
    })


@bp.route("/package/<package>/<kind>/<name>/<perm>", methods=["PUT", "DELETE"])
def edit_permission(package: str, kind: str, name: str, perm: str):
    validate_name(package)
    validate_permission(perm)
    add = request.method == "PUT"
    if kind == "user":
        mutable_access().edit_user_permission(package, name, perm, add)
    elif kind == "group":
        mutable_access().edit_group_permission(package, name, perm, add)
    else:
        raise NotFound("expected /admin/package/<package>/user/... or .../group/...")
    return _done()
