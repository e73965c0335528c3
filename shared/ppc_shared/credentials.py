"""HTTP Basic credentials, parsed strictly: anything malformed is a 401 naming the
problem, never a 500 (1.x answered 500 to non-UTF-8 and malformed credentials)."""

from __future__ import annotations

import base64
import binascii

from .errors import Unauthorized

MAX_CREDENTIALS_LENGTH = 8192


def parse_basic(header: str) -> tuple[str, str]:
    """``(username, password)`` of an ``Authorization: Basic ...`` header value."""
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
