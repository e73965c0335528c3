"""The auth-api application factory."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from flask import Flask

from ppc_shared.access.tokens import DEFAULT_TOKEN_EXPIRE
from ppc_shared.bus import create_celery
from ppc_shared.errors import SettingsError
from ppc_shared.settings import RawSettings, Settings
from ppc_shared.wiring import Backends, load_backends

from . import admin, errors, health, login, remote, users

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthSettings:
    """auth-api's own keys, parsed once at start-up."""

    remote_user: str | None        # auth.remote_user: the service account of /remote/
    remote_password_hash: str | None  # auth.remote_password: its passlib hash
    signing_key: str | None        # auth.signing_key / PPC_AUTH_SIGNING_KEY
    token_expire: int              # auth.token_expire
    session_secret: str
    session_secure: bool

    @classmethod
    def from_raw(cls, raw: RawSettings) -> "AuthSettings":
        remote_user = raw.str("auth.remote_user")
        remote_password = raw.str("auth.remote_password")
        if bool(remote_user) != bool(remote_password):
            raise SettingsError("auth.remote_password" if remote_user else "auth.remote_user",
                                "set both auth.remote_user and auth.remote_password (a hash from ppc gen-password)")
        if remote_password and not remote_password.startswith("$"):
            raise SettingsError("auth.remote_password", "expected a password hash from ppc gen-password")
        encrypt, validate = raw.str("session.encrypt_key"), raw.str("session.validate_key")
        if encrypt or validate:
            secret = hashlib.sha256(f"{encrypt or ''}\0{validate or ''}".encode()).hexdigest()
        else:
            # Sessions then last as long as this process: set the keys for several
            # workers or hosts.
            log.warning("session.encrypt_key and session.validate_key are not set: "
                        "web logins will not survive a restart")
            secret = secrets.token_hex(32)
        return cls(
            remote_user=remote_user,
            remote_password_hash=remote_password,
            signing_key=raw.str("auth.signing_key"),
            token_expire=raw.int("auth.token_expire", DEFAULT_TOKEN_EXPIRE, minimum=1),
            session_secret=secret,
            session_secure=raw.bool("session.secure", False),
        )


def create_app(settings: Settings, backends: Backends | None = None) -> Flask:
    backends = backends or load_backends(settings)
    auth = AuthSettings.from_raw(settings.raw)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=auth.session_secret,
        SESSION_COOKIE_NAME="ppc_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=auth.session_secure,
        MAX_CONTENT_LENGTH=1 << 20,  # ACL dumps are small; nothing else here is large
    )
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.extensions["ppc"] = backends
    app.extensions["ppc.auth"] = auth
    app.extensions["ppc.bus"] = create_celery(settings)  # queues jobs; connects on first use
    errors.init_app(app)
    for blueprint in (remote.bp, admin.bp, users.bp, login.bp, health.bp):
        app.register_blueprint(blueprint)
    return app


def create_from_environment() -> Flask:
    """auth-api on its own, for any WSGI server:
    ``PPC_CONFIG_FILE=auth.ini gunicorn 'ppc_auth.app:create_from_environment()'``."""
    import os

    path = os.environ.get("PPC_CONFIG_FILE")
    if not path:
        raise SettingsError("PPC_CONFIG_FILE", "set it to the path of the config file")
    return create_app(Settings.from_file(path))
