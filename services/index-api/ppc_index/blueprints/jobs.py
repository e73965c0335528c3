"""Jobs on the bus, for admins: queue a cache rebuild, a hash or a metadata job
(``POST /api/jobs/<kind>``), and follow it (``GET /api/jobs/<id>``)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from ppc_shared import bus
from ppc_shared.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized

from ..context import current_identity

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")

JOBS = {"rebuild": bus.REBUILD_CACHE, "hashes": bus.COMPUTE_MISSING_HASHES,
        "metadata": bus.EXTRACT_MISSING_METADATA}
_JOB_ID = re.compile(r"[0-9a-f-]{36}")


def _require_admin() -> None:
    identity = current_identity()
    if not identity.logged_in:
        raise Unauthorized("log in as an admin to run jobs")
    if not identity.is_admin:
        raise Forbidden("only admins may run jobs")


def _bus():
    return current_app.extensions["ppc.bus"]


@bp.post("/<kind>")
def queue(kind: str) -> Response:
    _require_admin()
    task = JOBS.get(kind)
    if task is None:
        raise NotFound(f"no job named {kind!r}; expected one of {', '.join(JOBS)}")
    kwargs = {}
    if kind == "rebuild":
        graceful = request.args.get("graceful")
        if graceful not in (None, "true", "false"):
            raise BadRequest("graceful must be true or false")
        kwargs["graceful"] = None if graceful is None else graceful == "true"
    job_id = bus.queue_job(_bus(), task, **kwargs)
    response = jsonify({"id": job_id, "state": "PENDING", "url": f"{request.script_root}/api/jobs/{job_id}"})
    response.status_code = 202
    return response


@bp.get("/<job_id>")
def status(job_id: str) -> Response:
    _require_admin()
    if not _JOB_ID.fullmatch(job_id):
        raise NotFound("no such job")
    try:
        return jsonify(bus.job_status(_bus(), job_id))
    except Exception:
        raise ServiceUnavailable("the job bus cannot be reached") from None
