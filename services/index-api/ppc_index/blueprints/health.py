"""``/health``: storage, cache and access backends each report; 503 when one fails."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..context import backends

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    found = backends()
    checks = {}
    for part, backend in (("storage", found.storage), ("cache", found.cache), ("access", found.access)):
        try:
            ok, message = backend.check_health()
        except Exception as exc:  # a backend's own failure is what we report, not a 500
            ok, message = False, f"{type(exc).__name__}"
        checks[part] = {"ok": ok, "message": message}
    healthy = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ok" if healthy else "unhealthy", "checks": checks})
    response.status_code = 200 if healthy else 503
    return response
