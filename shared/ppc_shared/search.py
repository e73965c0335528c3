"""The XML-RPC ``search`` of 1.x (what ``pip search`` once called)."""

from __future__ import annotations

from typing import Callable, Iterable

from .errors import BadRequest
from .models import PackageFile
from .names import version_sort_key

SEARCH_FIELDS = ("name", "summary")


def search_packages(files: Iterable[PackageFile], criteria: dict, query_type: str,
                    readable: Callable[[str], bool]) -> list[dict]:
    if not isinstance(criteria, dict):
        raise BadRequest("search criteria must be a struct of field → terms")
    if query_type not in ("and", "or"):
        raise BadRequest("query type must be 'and' or 'or'")
    terms: dict[str, list[str]] = {}
    for field_name, values in criteria.items():
        if field_name not in SEARCH_FIELDS:
            continue
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise BadRequest(f"search terms for {field_name!r} must be strings")
        terms[field_name] = [v.lower() for v in values]
    latest: dict[str, PackageFile] = {}
    for package in files:
        current = latest.get(package.name)
        if current is None or version_sort_key(package.version) > version_sort_key(current.version):
            latest[package.name] = package
    results = []
    for name in sorted(latest):
        if not readable(name):
            continue
        package = latest[name]
        fields = {"name": name, "summary": (package.summary or "").lower()}
        matches = [any(term in fields[f] for term in values) for f, values in terms.items()]
        if not matches:
            continue
        if (all(matches) if query_type == "and" else any(matches)):
            results.append({"name": name, "summary": package.summary or "", "version": package.version})
    return results
