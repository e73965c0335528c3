"""``ppc serve``: index-api and auth-api behind one port, under gunicorn.

Threaded workers (gthread) rather than gunicorn's sync worker: 50 slow clients stopped a
sync reader for 10 s. The port routes paths the way the ingress does in a cluster.
"""

from __future__ import annotations

import logging
import sys

from gunicorn.app.base import BaseApplication

from ppc_shared.settings import Settings
from ppc_shared.wiring import load_backends

log = logging.getLogger("ppc")


def build_wsgi_app(settings: Settings, *, fill_cache: bool = True):
    from ppc_index import create_app

    return create_app(settings, fill_cache=fill_cache)


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


def run(settings: Settings, host: str, port: int, workers: int, threads: int,
        worker_class: str = "gthread") -> None:
    prepare(settings)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker_class,
        "threads": threads,
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
        "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms',
    }
    sys.argv = sys.argv[:1]  # gunicorn parses argv otherwise
    _Gunicorn(settings, options).run()
