"""Config files written by ``ppc make-config`` and by the embedded default."""

from __future__ import annotations

import secrets

TEMPLATE = """\
# PyPICloud 2 configuration ({kind}). Every key is documented in the README.
[app:main]
use = egg:pypicloud

pypi.storage = file
storage.dir = %(here)s/packages

pypi.db = sql
db.url = sqlite:///%(here)s/cache.sqlite

pypi.auth = config
pypi.default_read = {default_read}
pypi.default_write = {default_write}
pypi.fallback = {fallback}
pypi.realm = pypi
pypi.package_max_age = {max_age}
auth.admins = {admin}
user.{admin} = {admin_hash}

session.encrypt_key = {encrypt_key}
session.validate_key = {validate_key}
session.secure = {secure}

[server:main]
use = egg:waitress#main
host = {host}
port = 6543
"""


def render_config(kind: str, admin: str, admin_hash: str) -> str:
    """``kind``: dev (open reads, redirect fallback), server (the 1.x defaults) or prod."""
    return TEMPLATE.format(
        kind=kind,
        admin=admin,
        admin_hash=admin_hash,
        default_read="authenticated",
        default_write="",
        fallback="none" if kind == "embedded" else "redirect",
        max_age=3600 if kind == "prod" else 0,
        encrypt_key=secrets.token_urlsafe(32),
        validate_key=secrets.token_urlsafe(32),
        secure="true" if kind == "prod" else "false",
        host="0.0.0.0" if kind == "prod" else "127.0.0.1",
    )
