"""``/health`` of auth-api on its own: 200 when the access backend answers, else 503.
(Behind the embedded router ``/health`` is index-api's, which checks the same backend.)"""

from __future__ import annotations

from flask import Blueprint, jsonify

from .context import access

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    healthy, reason = access().check_health()
    return jsonify({"healthy": healthy, "access": reason or "ok"}), 200 if healthy else 503
