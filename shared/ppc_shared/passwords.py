"""Password hashing with passlib (the maintained libpass fork)."""

from __future__ import annotations

import platform

from passlib.context import CryptContext
from passlib.exc import UnknownHashError

from .errors import SettingsError
from .settings import RawSettings

# Rounds far below passlib's defaults, as 1.x chose: the hash guards a password for a
# package index, and every pip run verifies it (see the docs on password hashing).
DEFAULT_ROUNDS = {
    "sha512_crypt": 20500,
    "sha256_crypt": 65000,
    "pbkdf2_sha512": 21000,
    "pbkdf2_sha256": 29000,
    "bcrypt": 10,
}
# Schemes a stored hash may use; new hashes use the configured one.
KNOWN_SCHEMES = ["sha512_crypt", "sha256_crypt", "pbkdf2_sha512", "pbkdf2_sha256", "bcrypt", "argon2"]
MAX_PASSWORD_LENGTH = 4096


def default_scheme() -> str:
    return "sha512_crypt" if platform.architecture()[0] == "64bit" else "sha256_crypt"


def make_context(scheme: str | None = None, rounds: int | None = None) -> CryptContext:
    scheme = scheme or default_scheme()
    if scheme not in KNOWN_SCHEMES:
        raise SettingsError("auth.scheme", f"unknown scheme {scheme!r}; expected one of {', '.join(KNOWN_SCHEMES)}")
    schemes = [scheme] + [s for s in KNOWN_SCHEMES if s != scheme]
    kwargs = {}
    rounds = rounds if rounds is not None else DEFAULT_ROUNDS.get(scheme)
    if rounds is not None:
        kwargs[f"{scheme}__default_rounds"] = rounds
    return CryptContext(schemes=schemes, default=scheme, **kwargs)


def context_from_settings(raw: RawSettings) -> CryptContext:
    return make_context(raw.str("auth.scheme"), raw.int("auth.rounds", None, minimum=1))


def hash_password(context: CryptContext, password: str) -> str:
    return context.hash(password)


def verify_password(context: CryptContext, password: str, hashed: str | None) -> bool:
    if not hashed or not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return context.verify(password, hashed)
    except (UnknownHashError, ValueError, TypeError):
        return False
