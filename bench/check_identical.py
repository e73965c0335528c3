"""Differential checks for the hot-path shortcuts, old way against new way:

1. the /simple/<name>/ fast path (fast_path.py, SimpleFastPath) answers byte for
   byte what Flask answers, over a matrix of settings, users, paths and headers, and really
   answers the common cases itself (so the comparison is not vacuous);
2. ``ppc serve``'s access logger (ppc_cli/serve.py, AccessLogger) writes the same line
   as gunicorn's own logger for the same request.

    .venv/bin/python bench/check_identical.py      # exit status 0 = identical
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)

import corpus  # noqa: E402

USERS = {"admin": "admin-pw", "stevearc": "gunface", "dsa": "paranoia", "donlan": "osptony"}
PROJECTS = ["django_unchained", "polite_requests", "pyramid_head", "Public.Thing"]
SETTINGS_VARIANTS = [
    {},
    {"pypi.default_read": "everyone"},
    {"pypi.fallback": "redirect", "pypi.fallback_base_url": "http://127.0.0.1:9"},
    {"pypi.fallback": "cache", "pypi.always_show_upstream": "true", "pypi.fallback_base_url": "http://127.0.0.1:9"},
    {"pypi.default_read": "everyone", "pypi.disallow_fallback": "public-thing pyramid_head"},
    {"pypi.default_read": "everyone", "pypi.cache_update": "admin"},
]
PATHS = ["/simple/{n}/", "/pypi/{n}/", "/simple/{n}", "/simple/{N}/", "/simple/no-such-project/",
         "/simple/bad..name/", "/simple/%E2%84%AA/", "/simple/", "/simple/{n}/?format=json"]
ACCEPTS = [None, "", "*/*", "text/html",
           "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01",
           "application/vnd.pypi.simple.latest+json", "application/vnd.pypi.simple.v1+html",
           "application/json", "text/html;q=0, application/vnd.pypi.simple.v1+json;q=0.5", "garbage;;;"]
SAMPLE_PER_VARIANT = 2000
ENCODINGS = [None, "gzip", "gzip, deflate, br", "identity", "GZIP"]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTHS = [None, "", basic("admin", "admin-pw"), basic("stevearc", "gunface"), basic("donlan", "osptony"),
         basic("dsa", "wrong"), basic("nobody", "x"), "Basic !!!", "Bearer abc", basic("dsa", "paranoia")]


def build_app(tmp: str, overrides: dict):
    from ppc_index import create_app
    from ppc_shared.changes import ChangeFeed
    from ppc_shared.passwords import hash_password, make_context
    from ppc_shared.settings import Settings
    from ppc_shared.wiring import load_backends

    context = make_context("sha256_crypt", 1000)
    values = {
        "pypi.storage": "file", "storage.dir": os.path.join(tmp, "packages"), "pypi.db": "sql",
        "db.url": f"sqlite:///{tmp}/cache-{abs(hash(str(overrides)))}.sqlite", "pypi.fallback": "none",
        "auth.admins": "admin", "auth.scheme": "sha256_crypt", "auth.rounds": "1000",
        **{f"user.{u}": hash_password(context, p) for u, p in USERS.items()},
        "group.sharkfest": "stevearc dsa", "group.brotatos": "donlan dsa",
        "package.django_unchained.user.stevearc": "rw", "package.django_unchained.group.sharkfest": "rw",
        "package.polite_requests.user.dsa": "rw", "package.polite_requests.group.authenticated": "r",
        "package.polite_requests.group.brotatos": "rw", "package.pyramid_head.group.brotatos": "rw",
        "package.pyramid_head.group.everyone": "r",
        **overrides,
    }
    settings = Settings.from_dict(values, here=tmp)
    backends = load_backends(settings, changes=ChangeFeed())
    return create_app(settings, backends), backends


def call(wsgi, environ):
    from werkzeug.test import run_wsgi_app

    app_iter, status, headers = run_wsgi_app(wsgi, environ, buffered=True)
    body = b"".join(app_iter)
    return status, list(headers.to_wsgi_list()), body


def check_access_log() -> int:
    """Same access-log line from gunicorn's atoms and from AccessLogger's."""
    from datetime import timedelta

    from gunicorn.config import Config
    from gunicorn.glogging import Logger, SafeAtoms

    from ppc_cli.serve import ACCESS_LOG_FORMAT, AccessLogger

    class Resp:
        def __init__(self, status, sent, headers):
            self.status, self.sent, self.headers = status, sent, headers

    class Req:
        def __init__(self, headers):
            self.headers = headers

    cfg = Config()
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    theirs, ours = Logger(cfg), AccessLogger(cfg)
    cases = 0
    for status, sent, uri, method, addr, elapsed, auth in itertools.product(
            ("200 OK", "304 NOT MODIFIED", "401 log in", 404), (1234, 0, None),
            ("/simple/x/", '/simple/"quoted"/?a=1&b="2"', "/%E2%84%AA"), ("GET", "POST"),
            ("127.0.0.1", None), (timedelta(microseconds=999), timedelta(seconds=3, microseconds=4567)),
            (None, basic("dsa", "paranoia"), "Basic !!!")):
        environ = {"REQUEST_METHOD": method, "RAW_URI": uri, "SERVER_PROTOCOL": "HTTP/1.1",
                   "PATH_INFO": uri.split("?")[0], "QUERY_STRING": uri.partition("?")[2]}
        if addr:
            environ["REMOTE_ADDR"] = addr
        req_headers = [("HOST", "127.0.0.1"), ("USER-AGENT", 'pip/"24"')]
        if auth:
            environ["HTTP_AUTHORIZATION"] = auth
            req_headers.append(("AUTHORIZATION", auth))
        resp = Resp(status, sent, [("Content-Type", "text/html"), ("ETag", 'W/"abc"')])
        want = ACCESS_LOG_FORMAT % SafeAtoms(theirs.atoms(resp, Req(req_headers), environ, elapsed))
        got = ACCESS_LOG_FORMAT % SafeAtoms(ours.atoms(resp, Req(req_headers), environ, elapsed))
        cases += 1
        if want != got:
            print(f"ACCESS LOG MISMATCH\n  gunicorn: {want}\n  ours:     {got}")
            return 1
    # Another format must get gunicorn's own atoms.
    cfg.set("access_log_format", "%(t)s %({user-agent}i)s %(D)s")
    if set(ours.atoms(resp, Req(req_headers), environ, elapsed)) != set(theirs.atoms(resp, Req(req_headers), environ, elapsed)):
        print("AccessLogger did not fall back to gunicorn's atoms for another format")
        return 1
    print(f"access log: {cases} requests, same line from gunicorn's atoms and AccessLogger's")
    return 0


def main() -> int:
    if check_access_log():
        return 1
    return check_fast_path()


def check_fast_path() -> int:
    from werkzeug.test import EnvironBuilder

    from ppc_index.fast_path import SimpleFastPath

    answered = compared = 0
    mismatches = []
    with tempfile.TemporaryDirectory(prefix="ppc-fastpath-") as tmp:
        packages = os.path.join(tmp, "packages")
        os.makedirs(packages)
        corpus._build_projects((packages, list(enumerate(PROJECTS)), 2))
        for overrides in SETTINGS_VARIANTS:
            app, backends = build_app(tmp, overrides)
            fast = app.wsgi_app
            assert isinstance(fast, SimpleFastPath), type(fast)
            slow = fast.wsgi_app
            counted = {"n": 0}
            original_answer = fast._answer

            def counting_answer(environ, name, _original=original_answer):
                result = _original(environ, name)
                counted["n"] += result is not None
                return result

            fast._answer = counting_answer
            cases = list(itertools.product(PROJECTS, PATHS, ("GET", "HEAD"), ("", "/root"),
                                           ACCEPTS, ENCODINGS, AUTHS))
            # A seeded sample keeps it to seconds; the common cases are always in.
            sample = random.Random(len(str(overrides))).sample(cases, min(len(cases), SAMPLE_PER_VARIANT))
            sample += [(p, "/simple/{n}/", "GET", "", a, e, u) for p in PROJECTS for u in AUTHS
                       for a, e in ((None, None), (ACCEPTS[4], "gzip"))]
            for project, path, method, script_name, accept, encoding, auth in sample:
                normalized = corpus.normalize(project)
                url = path.format(n=normalized, N=project)
                if True:
                    headers = {k: v for k, v in (("Accept", accept), ("Accept-Encoding", encoding),
                                                 ("Authorization", auth)) if v is not None}

                    def environ(extra=None):
                        builder = EnvironBuilder(path=url.split("?")[0], method=method,
                                                 query_string=url.partition("?")[2],
                                                 headers={**headers, **(extra or {})},
                                                 environ_base={"SCRIPT_NAME": script_name})
                        try:
                            return builder.get_environ()
                        finally:
                            builder.close()

                    # Flask first (fills the page cache), then both, then a revalidation.
                    first = call(slow, environ())
                    for extra in (None, {"If-None-Match": _etag(first)}, {"If-None-Match": "*"},
                                  {"If-None-Match": '"nope", W/"other"'}):
                        before = counted["n"]
                        want = call(slow, environ(extra))
                        got = call(fast, environ(extra))
                        compared += 1
                        answered += counted["n"] - before
                        if want != got:
                            mismatches.append((overrides, method, script_name, url, headers, extra, want[:2], got[:2]))
            # Changes move the generation on: the fast path must not answer from a stale page.
            path = f"/simple/{corpus.normalize(PROJECTS[3])}/"
            env = EnvironBuilder(path=path, headers={"Authorization": AUTHS[2]}).get_environ()
            before = call(slow, dict(env))
            backends.changes.notify()
            counted["n"] = 0
            after = call(fast, dict(env))
            if counted["n"] != 0 or after != before:
                mismatches.append(("stale page answered after a change", overrides))
            backends.close()
    print(f"compared {compared} requests over {len(SETTINGS_VARIANTS)} settings variants; "
          f"the fast path answered {answered} of them itself")
    for mismatch in mismatches[:20]:
        print("MISMATCH", mismatch)
    if mismatches:
        print(f"{len(mismatches)} mismatches")
        return 1
    if answered == 0:
        print("the fast path never answered: the comparison proves nothing")
        return 1
    print("identical")
    return 0


def _etag(response) -> str:
    for key, value in response[1]:
        if key.lower() == "etag":
            return value
    return '"none"'


if __name__ == "__main__":
    sys.exit(main())
