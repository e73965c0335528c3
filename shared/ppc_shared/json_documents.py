"""JSON documents of the 1.x APIs (``/pypi/<name>/json``, ``/api/package/...``)."""

from __future__ import annotations

from typing import Callable, Iterable

from packaging.version import InvalidVersion, Version

from .models import PackageFile
from .names import is_prerelease, parse_filename, version_sort_key
from .simple_pages import upload_time
from .errors import BadRequest


def packagetype(filename: str) -> str:
    try:
        kind = parse_filename(filename).packagetype
    except BadRequest:
        return ""
    # 1.x calls only .tar.gz an sdist in this document.
    if kind == "sdist" and not filename.lower().endswith(".tar.gz"):
        return ""
    return kind


def latest_version(versions: Iterable[str]) -> str | None:
    ordered = sorted(set(versions), key=version_sort_key)
    if not ordered:
        return None
    stable = []
    for version in ordered:
        try:
            if not Version(version).is_prerelease:
                stable.append(version)
        except InvalidVersion:
            pass
    return (stable or ordered)[-1]


def release_file(package: PackageFile, url: str) -> dict:
    item = {
        "filename": package.filename,
        "packagetype": packagetype(package.filename),
        "url": url,
        "requires_python": package.requires_python,
        "upload_time_iso_8601": upload_time(package),
        "yanked": package.yanked,
        "yanked_reason": package.yanked_reason or None,
    }
    if package.size is not None:
        item["size"] = package.size
    digests = {k: v for k, v in (("md5", package.md5), ("sha256", package.sha256),
                                 ("blake2b_256", package.blake2b_256)) if v}
    if digests:
        item["digests"] = digests
    if package.md5:
        item["md5_digest"] = package.md5
    return item


def project_document(name: str, files: list[PackageFile], file_url: Callable[[PackageFile], str],
                     version: str | None = None) -> dict:
    releases: dict[str, list[dict]] = {}
    for package in sorted(files, key=lambda p: (version_sort_key(p.version), p.filename)):
        releases.setdefault(package.version, []).append(release_file(package, file_url(package)))
    shown = version or latest_version(releases)
    shown_files = [p for p in files if p.version == shown]
    summary = next((p.summary for p in shown_files if p.summary), "")
    requires_python = next((p.requires_python for p in shown_files if p.requires_python), None)
    document = {
        "info": {
            "name": name,
            "version": shown,
            "summary": summary,
            "requires_python": requires_python,
            "license": "",
            "classifiers": [],
            "prerelease": is_prerelease(shown or ""),
        },
        "urls": releases.get(shown, []),
    }
    if version is None:
        document["releases"] = releases
    return document


def package_object(package: PackageFile, url: str) -> dict:
    """1.x's package object (``/api/package/<name>/``, upload answers)."""
    return {
        "name": package.name,
        "filename": package.filename,
        "last_modified": int(package.last_modified.timestamp()),
        "version": package.version,
        "url": url,
        "summary": package.summary,
        "metadata": dict(package.metadata),
    }
