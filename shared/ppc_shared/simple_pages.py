"""Simple-repository pages (PEP 503 HTML, PEP 691 JSON) built once as data and rendered
as either format from the same structure, with PEP 592, 629, 658/714 and 700 fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Callable, Iterable

from .models import PackageFile
from .names import version_sort_key

API_VERSION = "1.1"  # 1.1 = PEP 700 (versions, size, upload-time)


@dataclass(frozen=True)
class FileEntry:
    filename: str
    url: str
    hashes: dict[str, str]
    requires_python: str | None
    yanked: bool | str  # False, True, or the reason (PEP 691)
    core_metadata_sha256: str | None
    size: int | None
    upload_time: str


@dataclass(frozen=True)
class ProjectPage:
    name: str
    files: tuple[FileEntry, ...]
    versions: tuple[str, ...]


def upload_time(package: PackageFile) -> str:
    return package.last_modified.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_project_page(name: str, files: Iterable[PackageFile],
                       file_url: Callable[[PackageFile], str]) -> ProjectPage:
    ordered = sorted(files, key=lambda p: (version_sort_key(p.version), p.filename))
    entries = []
    for package in ordered:
        yanked: bool | str = False
        if package.yanked:
            yanked = package.yanked_reason or True
        entries.append(FileEntry(
            filename=package.filename,
            url=file_url(package),
            hashes=package.hashes(),
            requires_python=package.requires_python,
            yanked=yanked,
            core_metadata_sha256=package.core_metadata_sha256,
            size=package.size,
            upload_time=upload_time(package),
        ))
    versions = tuple(dict.fromkeys(p.version for p in ordered))
    return ProjectPage(name, tuple(entries), versions)


def render_project_html(page: ProjectPage) -> str:
    name = escape(page.name)
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>Links for {name}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {name}</h1>",
    ]
    for entry in page.files:
        href = entry.url
        if "sha256" in entry.hashes:
            href += "#sha256=" + entry.hashes["sha256"]
        attrs = [f'href="{escape(href)}"']
        if entry.requires_python:
            attrs.append(f'data-requires-python="{escape(entry.requires_python)}"')
        if entry.core_metadata_sha256:
            value = f"sha256={entry.core_metadata_sha256}"
            # PEP 714 renamed the attribute; older pip reads only the PEP 658 spelling.
            attrs.append(f'data-dist-info-metadata="{value}"')
            attrs.append(f'data-core-metadata="{value}"')
        if entry.yanked is not False:
            reason = entry.yanked if isinstance(entry.yanked, str) else ""
            attrs.append(f'data-yanked="{escape(reason)}"')
        lines.append(f"    <a {' '.join(attrs)}>{escape(entry.filename)}</a><br/>")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def render_project_json(page: ProjectPage) -> str:
    files = []
    for entry in page.files:
        item: dict = {
            "filename": entry.filename,
            "url": entry.url,
            "hashes": entry.hashes,
            "requires-python": entry.requires_python,
            "yanked": entry.yanked,
            "upload-time": entry.upload_time,
        }
        if not entry.upload_time:
            del item["upload-time"]  # PEP 700 makes it optional (upstream files we only link)
        if entry.size is not None:
            item["size"] = entry.size
        metadata = {"sha256": entry.core_metadata_sha256} if entry.core_metadata_sha256 else False
        item["core-metadata"] = metadata
        item["dist-info-metadata"] = metadata
        files.append(item)
    return json.dumps({
        "meta": {"api-version": API_VERSION},
        "name": page.name,
        "versions": list(page.versions),
        "files": files,
    }, separators=(",", ":"))


def render_index_html(names: Iterable[str], project_url: Callable[[str], str]) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        "    <title>Simple index</title>",
        "  </head>",
        "  <body>",
    ]
    for name in names:
        lines.append(f'    <a href="{escape(project_url(name))}">{escape(name)}</a><br/>')
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def render_index_json(names: Iterable[str]) -> str:
    return json.dumps({
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": name} for name in names],
    }, separators=(",", ":"))


def render_file_links_html(title: str, links: Iterable[tuple[str, str]]) -> str:
    """A flat page of file links (``/packages/``, for pip's and buildout's find-links)."""
    lines = ["<!DOCTYPE html>", "<html>", "  <head>", f"    <title>{escape(title)}</title>",
             "  </head>", "  <body>"]
    for href, text in links:
        lines.append(f'    <a href="{escape(href)}">{escape(text)}</a><br/>')
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)
