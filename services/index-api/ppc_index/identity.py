"""Who is calling: HTTP Basic credentials, verified once and then served from cache."""

from __future__ import annotations

from flask import Flask, g, request

from ppc_shared.access.policy import ANONYMOUS, AccessPolicy, Identity
from ppc_shared.credentials import parse_basic
from ppc_shared.errors import Unauthorized

from .context import policy

# Where the simple-page fast path (fast_path.py) leaves the identity it already
# worked out, or the Unauthorized it raised, when it hands a request on to Flask: a wrong
# password is then verified once per request, not twice. Only code puts keys with a dot
# in the WSGI environ; a client's headers arrive as HTTP_*.
IDENTITY_ENVIRON_KEY = "ppc.identity"


def identity_for(header: str | None, access: AccessPolicy) -> Identity:
    """Who sends ``Authorization: header``: anonymous without one, else the verified
    Basic user (verified credentials are cached by the policy); raises Unauthorized."""
    if not header:
        return ANONYMOUS
    username, password = parse_basic(header)
    found = access.authenticate(username, password)
    if found is None:
        raise Unauthorized("invalid username or password")
    return found


def load_identity() -> None:
    handed_on = request.environ.pop(IDENTITY_ENVIRON_KEY, None)
    if isinstance(handed_on, Identity):
        g.identity = handed_on
        return
    if isinstance(handed_on, Unauthorized):
        raise handed_on
    g.identity = identity_for(request.headers.get("Authorization"), policy())


def init_app(app: Flask) -> None:
    app.before_request(load_identity)
