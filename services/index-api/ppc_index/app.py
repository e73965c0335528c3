"""The index-api application factory."""

from __future__ import annotations

import logging

from flask import Flask

from ppc_shared.bus import create_celery
from ppc_shared.settings import Settings
from ppc_shared.upstream import UpstreamFetcher
from ppc_shared.wiring import Backends, load_backends

from . import errors, identity
from .blueprints import api, files, health, jobs, json_api, packages_page, search, simple, upload
from .fast_path import SimpleFastPath
from .page_cache import PageCache
from .request import IndexRequest

log = logging.getLogger(__name__)


def create_app(settings: Settings, backends: Backends | None = None, *,
               fill_cache: bool = True) -> Flask:
    backends = backends or load_backends(settings)
    if fill_cache:
        result = backends.index.fill_if_empty()
        if result is not None:
            log.info("cache was empty: loaded %d files from storage in %.2f s", result.files, result.seconds)

    app = Flask(__name__)
    app.request_class = IndexRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.index.max_upload_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["ppc"] = backends
    # The upstream side of pypi.fallback (listings and fetch-and-store); built here so a
    # bad upstream.* setting stops start-up.
    app.extensions["ppc.upstream"] = UpstreamFetcher.from_settings(settings)
    app.extensions["ppc.bus"] = create_celery(settings)  # queues jobs; connects on first use
    app.extensions["ppc.pages"] = PageCache(backends.changes, settings.index.page_cache_entries)

    identity.init_app(app)
    errors.init_app(app)
    for blueprint in (simple.bp, upload.bp, files.bp, api.bp, json_api.bp, search.bp,
                      packages_page.bp, health.bp, jobs.bp):
        app.register_blueprint(blueprint)
    app.wsgi_app = SimpleFastPath(app, app.wsgi_app)
    return app
