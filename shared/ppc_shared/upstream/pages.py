"""Project pages that mix stored files with the upstream's other files (fallback tables:
"stored + redirect links", "stored + cache links", "upstream -> cache links")."""

from __future__ import annotations

from typing import Callable, Iterable

from ..errors import BadRequest
from ..models import PackageFile
from ..names import parse_filename, version_sort_key
from ..simple_pages import FileEntry, ProjectPage, build_project_page
from .client import UpstreamFile


def build_fallback_page(name: str, stored: Iterable[PackageFile], upstream: Iterable[UpstreamFile],
                        stored_url: Callable[[PackageFile], str],
                        upstream_url: Callable[[UpstreamFile], str] | None) -> ProjectPage:
    """Our stored files, plus each upstream file we do not store, linked through
    ``upstream_url`` (our fetch-and-store URL) or, when that is None, to the upstream
    itself. Upstream hashes, Requires-Python and yanked state are kept."""
    stored = list(stored)
    own = build_project_page(name, stored, stored_url)
    stored_names = {p.filename for p in stored}
    entries: list[tuple[str, FileEntry]] = [(e.filename, e) for e in own.files]
    versions = {e.filename: p.version for e, p in zip(own.files, sorted(
        stored, key=lambda p: (version_sort_key(p.version), p.filename)))}
    for upstream_file in upstream:
        if upstream_file.filename in stored_names:
            continue
        try:
            dist = parse_filename(upstream_file.filename)
        except BadRequest:
            continue  # not a distribution we could store or an installer would pick
        if dist.name != name:
            continue
        stored_names.add(upstream_file.filename)
        versions[upstream_file.filename] = dist.version
        via_us = upstream_url is not None
        entries.append((upstream_file.filename, FileEntry(
            filename=upstream_file.filename,
            url=upstream_url(upstream_file) if via_us else upstream_file.url,
            hashes=dict(upstream_file.hashes),
            requires_python=upstream_file.requires_python,
            yanked=upstream_file.yanked,
            # PEP 658 metadata of a file we do not store is served only by the upstream.
            core_metadata_sha256=None if via_us else upstream_file.core_metadata_sha256,
            size=upstream_file.size,
            upload_time="",
        )))
    entries.sort(key=lambda item: (version_sort_key(versions[item[0]]), item[0]))
    ordered_versions = tuple(dict.fromkeys(versions[filename] for filename, _ in entries))
    return ProjectPage(name, tuple(entry for _, entry in entries), ordered_versions)
