"""A small upstream index served from a temp directory on 127.0.0.1, for fallback tests:
PEP 691 JSON or PEP 503 HTML simple pages (by Accept), PyPI's ``/pypi/<name>/json``, and
the files themselves. Each part can be switched off; file downloads are counted, can be
slowed down, and a published digest can be made to lie."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ppc_shared.names import normalize_name, parse_filename

JSON_V1 = "application/vnd.pypi.simple.v1+json"


@dataclass
class UpstreamEntry:
    filename: str
    requires_python: str | None = None
    yanked: bool | str = False
    wrong_sha256: bool = False  # publish a digest the bytes do not have


@dataclass
class UpstreamIndex:
    directory: Path
    simple_json: bool = True  # PEP 691 when asked for
    simple_html: bool = True
    json_api: bool = True
    chunk_delay: float = 0.0  # seconds between 16 KiB chunks of a file
    page_delay: float = 0.0  # seconds before answering a listing
    file_status: int = 200
    entries: dict[str, list[UpstreamEntry]] = field(default_factory=dict)
    file_gets: Counter = field(default_factory=Counter)
    page_gets: Counter = field(default_factory=Counter)
    port: int = 0

    def add(self, filename: str, data: bytes, **kwargs) -> UpstreamEntry:
        (self.directory / filename).write_bytes(data)
        entry = UpstreamEntry(filename, **kwargs)
        self.entries.setdefault(parse_filename(filename).name, []).append(entry)
        return entry

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _hashes(self, entry: UpstreamEntry) -> dict[str, str]:
        data = (self.directory / entry.filename).read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if entry.wrong_sha256:
            sha256 = hashlib.sha256(data + b"tampered").hexdigest()
        return {"sha256": sha256, "md5": hashlib.md5(data).hexdigest()}

    # -- the WSGI app ---------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        return self._route(request)(environ, start_response)

    def _route(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if self.page_delay and parts and parts[0] in ("simple", "pypi"):
            time.sleep(self.page_delay)
        if len(parts) == 2 and parts[0] == "simple":
            self.page_gets[("simple", parts[1])] += 1
            return self._simple(request, normalize_name(parts[1]))
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            self.page_gets[("json", parts[1])] += 1
            return self._json_api(normalize_name(parts[1]))
        if len(parts) == 2 and parts[0] == "files":
            return self._file(parts[1])
        return Response("not found", status=404)

    def _simple(self, request: Request, name: str) -> Response:
        files = self.entries.get(name)
        if not files:
            return Response("not found", status=404)
        wants_json = JSON_V1 in (request.headers.get("Accept") or "")
        if wants_json and self.simple_json:
            document = {"meta": {"api-version": "1.0"}, "name": name, "files": [
                {"filename": e.filename, "url": f"../../files/{e.filename}", "hashes": self._hashes(e),
                 "requires-python": e.requires_python, "yanked": e.yanked}
                for e in files]}
            return Response(json.dumps(document), content_type=JSON_V1)
        if not self.simple_html:
            return Response("not found", status=404)
        links = []
        for e in files:
            attrs = f'href="/files/{e.filename}#sha256={self._hashes(e)["sha256"]}"'
            if e.requires_python:
                attrs += f' data-requires-python="{escape(e.requires_python)}"'
            if e.yanked is not False:
                attrs += f' data-yanked="{escape(e.yanked if isinstance(e.yanked, str) else "")}"'
            links.append(f"<a {attrs}>{e.filename}</a><br/>")
        return Response("<!DOCTYPE html><html><body>" + "\n".join(links) + "</body></html>",
                        content_type="text/html")

    def _json_api(self, name: str) -> Response:
        files = self.entries.get(name)
        if not files or not self.json_api:
            return Response("not found", status=404)
        releases: dict[str, list] = {}
        for e in files:
            hashes = self._hashes(e)
            releases.setdefault(parse_filename(e.filename).version, []).append({
                "filename": e.filename, "url": f"{self.base_url}/files/{e.filename}",
                "digests": hashes, "md5_digest": hashes["md5"], "requires_python": e.requires_python,
                "yanked": e.yanked is not False,
                "yanked_reason": e.yanked if isinstance(e.yanked, str) else None,
            })
        return Response(json.dumps({"info": {"name": name}, "releases": releases}),
                        content_type="application/json")

    def _file(self, filename: str) -> Response:
        path = self.directory / filename
        if "/" in filename or not path.is_file():
            return Response("not found", status=404)
        self.file_gets[filename] += 1
        if self.file_status != 200:
            return Response("upstream trouble", status=self.file_status)
        data = path.read_bytes()
        delay = self.chunk_delay

        def body():
            for start in range(0, len(data), 1 << 14):
                if delay:
                    time.sleep(delay)
                yield data[start:start + (1 << 14)]

        return Response(body(), content_type="application/octet-stream",
                        headers={"Content-Length": str(len(data))}, direct_passthrough=True)


class ServedApp:
    """A WSGI app on a free port of 127.0.0.1, in a thread, until ``stop``."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_upstream(directory: Path) -> tuple[UpstreamIndex, ServedApp]:
    index = UpstreamIndex(directory)
    served = ServedApp(index)
    index.port = served.port
    return index, served
