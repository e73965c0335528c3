"""What a request works with (backends, settings, the caller), so views import no backend."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, g, request, session

from ppc_shared.access import AccessBackend, MutableAccessBackend
from ppc_shared.access.policy import ANONYMOUS, Identity
from ppc_shared.credentials import parse_basic
from ppc_shared.errors import BadRequest, Forbidden, Unauthorized
from ppc_shared.wiring import Backends

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"


def backends() -> Backends:
    return current_app.extensions["ppc"]


def access() -> AccessBackend:
    return backends().access


def mutable_access() -> MutableAccessBackend:
    backend = access()
    if not isinstance(backend, MutableAccessBackend):
        raise BadRequest(f"the access backend ({type(backend).__name__}) is read-only: "
                         "use a mutable one (pypi.auth = sql) to change users, groups or permissions")
    return backend


def auth_settings():
    return current_app.extensions["ppc.auth"]


def current_identity() -> Identity:
    """The caller: HTTP Basic credentials, else the session cookie, else anonymous.

    A cookie-authenticated write must carry the session's CSRF token in ``X-CSRF-Token``
    (or a ``csrf_token`` form field): a browser sends the cookie on cross-site requests,
    never a header the attacker's page cannot read."""
    if "identity" in g:
        return g.identity
    header = request.headers.get("Authorization")
    identity = ANONYMOUS
    if header:
        username, password = parse_basic(header)
        found = backends().policy.authenticate(username, password)
        if found is None:
            raise Unauthorized("invalid username or password")
        identity = found
    elif session.get("user"):
        username = session["user"]
        if access().user_data(username) is None:
            session.clear()  # deleted or not approved since the login
        else:
            if request.method not in SAFE_METHODS:
                sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
                expected = session.get("csrf", "")
                if not expected or not secrets.compare_digest(str(sent), str(expected)):
                    raise Forbidden(f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                                    "given at login with every write")
            identity = backends().policy.identity(username)
    g.identity = identity
    return identity


def require_login() -> Identity:
    identity = current_identity()
    if not identity.logged_in:
        raise Unauthorized("log in first")
    return identity


def require_admin() -> Identity:
    identity = require_login()
    if not identity.is_admin:
        raise Forbidden("only admins may do this")
    return identity


def params() -> dict[str, Any]:
    """The request's parameters: a JSON object body, or form fields, or the query."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if data is None and request.get_data():
            raise BadRequest("the body is not valid JSON")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise BadRequest("the JSON body must be an object")
        return data
    merged: dict[str, Any] = dict(request.args.items())
    merged.update(request.form.items())
    return merged


def param_str(data: dict, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"missing parameter {name!r}")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"parameter {name!r} must be a string")
    return value


def param_bool(data: dict, name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
        return False
    raise BadRequest(f"parameter {name!r} must be true or false")
