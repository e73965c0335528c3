"""Who is calling: HTTP Basic credentials, verified once and then served from cache."""

from __future__ import annotations

import base64
import binascii

from flask import Flask, g, request

from ppc_shared.access.policy import ANONYMOUS
from ppc_shared.errors import Unauthorized

from .context import policy

MAX_CREDENTIALS_LENGTH = 8192


def _parse_basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise Unauthorized("only HTTP Basic credentials are accepted")
    if len(encoded) > MAX_CREDENTIALS_LENGTH:
        raise Unauthorized("the credentials are too long")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Unauthorized("malformed Basic credentials: expected base64 of user:password in UTF-8") from None
    username, sep, password = decoded.partition(":")
    if not sep or not username:
        raise Unauthorized("malformed Basic credentials: expected user:password")
    return username, password


def load_identity() -> None:
    header = request.headers.get("Authorization")
    if not header:
        g.identity = ANONYMOUS
        return
    username, password = _parse_basic(header)
    found = policy().authenticate(username, password)
    if found is None:
        raise Unauthorized("invalid username or password")
    g.identity = found


def init_app(app: Flask) -> None:
    app.before_request(load_identity)
