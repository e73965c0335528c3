"""One port for index-api and auth-api (the embedded default), routed by path prefix the
way the ingress routes them in the distributed deployment."""

from __future__ import annotations

from ppc_shared.settings import Settings
from ppc_shared.wiring import Backends, load_backends

# Everything under these goes to auth-api; the rest to index-api.
AUTH_PREFIXES = ("/admin", "/api/user", "/login", "/logout", "/acct", "/remote")


class PathRouter:
    """A WSGI app sending each request to auth-api or index-api by its path: one tuple
    scan of a few short prefixes, nothing on index-api's hot path beyond that."""

    def __init__(self, index_app, auth_app, auth_prefixes: tuple[str, ...] = AUTH_PREFIXES):
        self.index_app = index_app
        self.auth_app = auth_app
        self._exact = frozenset(auth_prefixes)
        self._slashed = tuple(prefix + "/" for prefix in auth_prefixes)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path in self._exact or path.startswith(self._slashed):
            return self.auth_app(environ, start_response)
        return self.index_app(environ, start_response)


def build_router(settings: Settings, backends: Backends | None = None, *, fill_cache: bool = True) -> PathRouter:
    """index-api and auth-api on one set of backends (one change feed: a permission
    changed through auth-api reaches index-api's caches at the next request)."""
    from ppc_auth import create_app as create_auth_app
    from ppc_index import create_app as create_index_app

    backends = backends or load_backends(settings)
    return PathRouter(create_index_app(settings, backends, fill_cache=fill_cache),
                      create_auth_app(settings, backends))
