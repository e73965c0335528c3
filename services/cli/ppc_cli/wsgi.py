"""A WSGI entry point for any server: ``PPC_CONFIG_FILE=server.ini gunicorn
'ppc_cli.wsgi:create_from_environment()'`` (granian and uWSGI take the same factory)."""

from __future__ import annotations

import os

from ppc_shared.errors import SettingsError
from ppc_shared.settings import Settings

CONFIG_VARIABLE = "PPC_CONFIG_FILE"


def create_from_environment():
    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        raise SettingsError(CONFIG_VARIABLE, "set it to the path of the config file")
    from .router import build_router

    # The cache was filled before the server forked (``serve.prepare``); a server started
    # some other way fills an empty cache here, once per process. index-api and auth-api
    # share the port, routed by path (``router.AUTH_PREFIXES``).
    return build_router(Settings.from_file(path))
