"""A thin WSGI layer in front of the app for the hottest request: a cached
``/simple/<name>/`` page that the caller may read.

pip and uv mostly ask for pages that are already rendered. Going through Flask for those
(request and context objects, URL routing, hooks, response object) costs several times
what the answer itself costs (about 100 µs against 7 µs, measured with bench/), so this
layer answers them directly, from the same cache, with the same identity, permission and
fallback decisions and the same headers. Everything else, and anything it is unsure of (a
query string, HEAD, a name to redirect, a page not cached yet, a refusal, an error, an app
with request hooks or signal receivers it does not know), goes on to Flask unchanged.
``bench/check_identical.py`` compares both paths answer for answer.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.signals import (
    appcontext_popped, appcontext_pushed, appcontext_tearing_down, request_finished,
    request_started, request_tearing_down,
)
from werkzeug.exceptions import HTTPException

from ppc_shared.errors import Unauthorized
from ppc_shared.fallback import Outcome
from ppc_shared.names import is_valid_name, normalize_name

from .blueprints.simple import bp, page_outcome, project_page
from .identity import IDENTITY_ENVIRON_KEY, identity_for, load_identity
from .negotiation import media_type_for, page_wsgi_response
from .page_cache import MISS

_PROJECT_PATH = re.compile(r"/(?:simple|pypi)/([^/]+)/")
_PLAIN_PROJECT_NAME = re.compile(r"[a-z0-9-]+", re.ASCII)


class SimpleFastPath:
    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._routes_checked: bool | None = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING"):
            match = _PROJECT_PATH.fullmatch(environ.get("PATH_INFO") or "")
            if match is not None and self._app_is_plain():
                try:
                    answer = self._answer(environ, match.group(1))
                except Exception:  # Flask answers it, errors and all
                    answer = None
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, name: str):
        if not (_PLAIN_PROJECT_NAME.fullmatch(name) and is_valid_name(name)
                and normalize_name(name) == name):
            return None  # 404 or a redirect to the normalised name: Flask's
        backends = self.app.extensions["ppc"]
        try:
            identity = identity_for(environ.get("HTTP_AUTHORIZATION"), backends.policy)
        except Unauthorized as exc:
            environ[IDENTITY_ENVIRON_KEY] = exc
            return None
        environ[IDENTITY_ENVIRON_KEY] = identity
        media_type = media_type_for(None, environ.get("HTTP_ACCEPT"))
        # request.script_root, as werkzeug derives it
        root = (environ.get("SCRIPT_NAME") or "").encode("latin1").decode(errors="replace").rstrip("/")
        page = self.app.extensions["ppc.pages"].peek(("project", name, media_type, root))
        if page is MISS or page is None:
            return None
        outcome = page_outcome(backends.policy, backends.settings.index, identity, name, stored=True)
        if outcome is not Outcome.LIST:
            return None  # refusals, redirects and anything upstream: Flask's
        return page_wsgi_response(page, environ.get("HTTP_IF_NONE_MATCH"),
                                  environ.get("HTTP_ACCEPT_ENCODING"))

    def _app_is_plain(self) -> bool:
        """True while the app runs nothing per request but `load_identity`, and nothing
        listens to its request signals: what Flask would do beyond the view is then
        nothing the answer depends on. Checked per request (a few look-ups), so a hook
        added later simply turns the fast path off."""
        app = self.app
        if self._routes_checked is None:
            self._routes_checked = _routes_lead_to_project_page(app)
        if not self._routes_checked:
            return False
        before = {key: funcs for key, funcs in app.before_request_funcs.items() if funcs}
        if before != {None: [load_identity]}:
            return False
        for hooks in (app.after_request_funcs, app.teardown_request_funcs, app.url_value_preprocessors):
            if any(hooks.values()):
                return False
        if app.teardown_appcontext_funcs:
            return False
        return not (request_started.receivers or request_finished.receivers
                    or request_tearing_down.receivers or appcontext_pushed.receivers
                    or appcontext_popped.receivers or appcontext_tearing_down.receivers)


def _routes_lead_to_project_page(app: Flask) -> bool:
    """Both URL forms the fast path answers route to `project_page` in this app."""
    adapter = app.url_map.bind("localhost")
    try:
        return all(adapter.match(path, "GET")[0] == f"{bp.name}.{project_page.__name__}"
                   for path in ("/simple/fast-path-probe/", "/pypi/fast-path-probe/"))
    except HTTPException:
        return False
