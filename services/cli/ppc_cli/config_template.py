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

{access}
pypi.default_read = {default_read}
pypi.default_write = {default_write}
pypi.fallback = {fallback}
pypi.realm = pypi
pypi.package_max_age = {max_age}

session.encrypt_key = {encrypt_key}
session.validate_key = {validate_key}
session.secure = {secure}

[server:main]
use = egg:waitress#main
host = {host}
port = 6543
"""


CONFIG_ACCESS = """pypi.auth = config
auth.admins = {admin}
user.{admin} = {admin_hash}"""

# The embedded default keeps users in SQLite, so the admin API and registration work.
SQL_ACCESS = """pypi.auth = sql
auth.db.url = sqlite:///%(here)s/access.sqlite
auth.signing_key = {signing_key}"""


def render_config(kind: str, admin: str, admin_hash: str | None = None) -> str:
    """``kind``: dev, server (the 1.x defaults) or prod, with users in the config file;
    embedded, with users in SQLite (the caller creates the admin there)."""
    if kind == "embedded":
        access = SQL_ACCESS.format(signing_key=secrets.token_urlsafe(32))
    else:
        access = CONFIG_ACCESS.format(admin=admin, admin_hash=admin_hash)
    return TEMPLATE.format(
        access=access,
        kind=kind,
        default_read="authenticated",
        default_write="",
        fallback="none" if kind == "embedded" else "redirect",
        max_age=3600 if kind == "prod" else 0,
        encrypt_key=secrets.token_urlsafe(32),
        validate_key=secrets.token_urlsafe(32),
        secure="true" if kind == "prod" else "false",
        host="0.0.0.0" if kind == "prod" else "127.0.0.1",
    )
