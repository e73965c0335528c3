"""``ppc serve``: index-api and auth-api behind one port, under gunicorn (default) or
granian.

A few slow clients must not starve the server: gunicorn's sync worker stops serving while
one client dribbles its headers, and so does gthread once every thread waits on one (50
slow clients stopped a 16-thread reader here). So gunicorn runs the gevent worker, where
a waiting client costs a greenlet, not a thread; granian reads requests in Rust with a
header timeout, and is the fastest way to serve the same app (bench/README.md).
"""

from __future__ import annotations

import logging
import os
import re
import sys

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from ppc_shared.settings import Settings
from ppc_shared.wiring import load_backends

log = logging.getLogger("ppc")

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'


def build_wsgi_app(settings: Settings, *, fill_cache: bool = True):
    from .router import build_router

    return build_router(settings, fill_cache=fill_cache)


_PASSWORD_IN_QUERY = re.compile(r"((?:^|[?&])[^=&]*password=)[^&]*", re.IGNORECASE)


def redact_passwords(environ: dict) -> dict:
    """1.x's remote-access clients send ``/verify?username=..&password=..``: keep the
    password out of the access log."""
    if "password" not in (environ.get("QUERY_STRING") or "").lower():
        return environ
    environ = dict(environ)
    for key in ("RAW_URI", "QUERY_STRING"):
        if key in environ:
            environ[key] = _PASSWORD_IN_QUERY.sub(r"\1***", environ[key])
    return environ


class AccessLogger(GunicornLogger):
    """gunicorn's logger, computing only the atoms `ACCESS_LOG_FORMAT` prints. gunicorn's
    own `atoms` builds all of them for every request (each request and response header and
    every WSGI environ key, a timestamp, the Basic user name decoded) and then copies and
    escapes them all: more time than answering a cached page. Same lines, same escaping
    (gunicorn's SafeAtoms still wraps these); any other format gets gunicorn's atoms."""

    def atoms(self, resp, req, environ, request_time):
        environ = redact_passwords(environ)
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:
            return super().atoms(resp, req, environ, request_time)
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        # Each value exactly as gunicorn.glogging.Logger.atoms computes it.
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "r": "%s %s %s" % (environ["REQUEST_METHOD"], environ["RAW_URI"], environ["SERVER_PROTOCOL"]),
            "s": status,
            "B": getattr(resp, "sent", None),
            "M": (request_time.seconds * 1000) + int(request_time.microseconds / 1000),
        }


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return build_wsgi_app(self._settings, fill_cache=False)


def prepare(settings: Settings) -> None:
    """Fill an empty cache once, before workers start, so they do not race to do it."""
    backends = load_backends(settings)
    try:
        result = backends.index.fill_if_empty()
        if result is not None:
            log.info("cache was empty: loaded %d files from storage in %.2f s", result.files, result.seconds)
    finally:
        backends.close()


SERVERS = ("gunicorn", "granian")
WORKER_CLASSES = ("gevent", "gthread", "sync")
HEADER_TIMEOUT_SECONDS = 10
GRANIAN_ACCESS_LOG_FORMAT = '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).0fms'


def run(settings: Settings, host: str, port: int, workers: int, threads: int,
        worker_class: str = "gevent", server: str = "gunicorn", config_path: str | None = None) -> None:
    prepare(settings)
    from .worker_commands import start_embedded_worker

    start_embedded_worker(settings, config_path)  # the embedded bus's worker; stopped at exit
    if server == "granian":
        run_granian(config_path, host, port, workers, threads)
    else:
        run_gunicorn(settings, host, port, workers, threads, worker_class)


def run_granian(config_path: str | None, host: str, port: int, workers: int, threads: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    from .wsgi import CONFIG_VARIABLE

    if config_path is None:
        raise ValueError("granian loads the app in its workers from a config file path")
    os.environ[CONFIG_VARIABLE] = os.path.abspath(config_path)
    Granian(
        "ppc_cli.wsgi:create_from_environment",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        log_access=True,
        # Path without the query string: 1.x clients send /remote/verify?password=...
        log_access_format=GRANIAN_ACCESS_LOG_FORMAT,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_SECONDS * 1000),
    ).serve()


def run_gunicorn(settings: Settings, host: str, port: int, workers: int, threads: int,
                 worker_class: str) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": ("ppc_cli.gunicorn_worker.PlainHTTPGeventWorker" if worker_class == "gevent"
                         else worker_class),
        "threads": threads,
        "worker_connections": 1000,  # gevent: concurrent connections per worker
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        "control_socket_disable": True,
        # Headers must arrive within this many bytes and fields (slowloris-style limits).
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": AccessLogger,
    }
    sys.argv = sys.argv[:1]  # gunicorn parses argv otherwise
    _Gunicorn(settings, options).run()
