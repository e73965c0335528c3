"""The embedded default: everything under one data directory, nothing else to install.

The first start writes ``config.ini`` there (users in ``access.sqlite``) and creates one
admin user with a random password (kept in ``admin-password.txt``, readable by the owner
only); later starts reuse both. The admin API (``/admin/``) and registration work at once.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ppc_shared.access import create_access
from ppc_shared.settings import read_config_file

from .config_template import render_config

ADMIN_USER = "admin"


def ensure_embedded_config(data_dir: str | os.PathLike) -> tuple[Path, str | None]:
    """The embedded config path, and the admin password if it was just created."""
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    config = data / "config.ini"
    if config.exists():
        return config, None
    password = secrets.token_urlsafe(18)
    temp = config.with_suffix(".tmp")
    temp.write_text(render_config("embedded", ADMIN_USER))
    access = create_access(read_config_file(temp))
    try:
        if not access.user_exists(ADMIN_USER):
            access.create_user(ADMIN_USER, password, admin=True)
    finally:
        access.close()
    secret_file = data / "admin-password.txt"
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    # The config appears last: a start interrupted before this point starts over.
    os.replace(temp, config)
    return config, password


def read_admin_password(data_dir: str | os.PathLike) -> str | None:
    try:
        return (Path(data_dir) / "admin-password.txt").read_text().strip()
    except OSError:
        return None
