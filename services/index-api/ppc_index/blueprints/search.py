"""XML-RPC ``search`` on ``POST /pypi`` (1.x's, for ``pip search``-era clients)."""

from __future__ import annotations

import xmlrpc.client as xmlrpc_client

from defusedxml.xmlrpc import monkey_patch
from flask import Blueprint, Response, request

from ppc_shared.errors import BadRequest
from ppc_shared.search import search_packages

from ..context import current_identity, index, policy

monkey_patch()  # entity expansion and other XML bombs are refused by the parser

bp = Blueprint("search", __name__)
MAX_XMLRPC_BYTES = 1 << 20


def _fault(code: int, message: str) -> Response:
    body = xmlrpc_client.dumps(xmlrpc_client.Fault(code, message), methodresponse=True)
    return Response(body, status=400, mimetype="text/xml")


def handle_xmlrpc() -> Response:
    raw = request.get_data(cache=False)
    if len(raw) > MAX_XMLRPC_BYTES:
        return _fault(1, "request too large")
    try:
        params, method = xmlrpc_client.loads(raw)
    except Exception:  # the XML parser raises many kinds; all mean a bad request
        return _fault(1, "malformed XML-RPC request")
    if method != "search":
        return _fault(1, f"unknown method {method!r}: only search is served")
    if not params or len(params) > 2:
        return _fault(1, "search takes (criteria, query_type)")
    criteria = params[0]
    query_type = params[1] if len(params) > 1 else "and"
    try:
        results = search_packages(index().cache.all_files(), criteria, query_type,
                                  policy().readable_filter(current_identity()))
    except BadRequest as exc:
        return _fault(1, exc.message)
    body = xmlrpc_client.dumps((results,), methodresponse=True, allow_none=True)
    return Response(body, mimetype="text/xml")
