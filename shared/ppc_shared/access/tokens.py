"""Signup tokens, in 1.x's format: ``<username>:<issued unix time>:<hex HMAC-SHA256 of
"username:time" keyed with auth.signing_key>``, valid for ``auth.token_expire`` seconds."""

from __future__ import annotations

import hashlib
import hmac
import time

from ..errors import BadRequest

DEFAULT_TOKEN_EXPIRE = 7 * 24 * 3600
MAX_TOKEN_LENGTH = 1024


def _signature(key: str, username: str, issued: int) -> str:
    return hmac.new(key.encode(), f"{username}:{issued}".encode(), hashlib.sha256).hexdigest()


def make_token(key: str, username: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    return f"{username}:{issued}:{_signature(key, username, issued)}"


def check_token(key: str, token: str, expire_seconds: int, now: float | None = None) -> str:
    """The user name a valid token was issued for; BadRequest saying why otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadRequest("malformed signup token")
    parts = token.rsplit(":", 2)
    if len(parts) != 3 or not parts[0]:
        raise BadRequest("malformed signup token: expected <username>:<time>:<signature>")
    username, issued_text, signature = parts
    if not issued_text.isdigit():
        raise BadRequest("malformed signup token: the time is not a number")
    issued = int(issued_text)
    if not hmac.compare_digest(_signature(key, username, issued), signature.lower()):
        raise BadRequest("invalid signup token")
    current = time.time() if now is None else now
    if current > issued + expire_seconds:
        raise BadRequest("the signup token has expired")
    return username
