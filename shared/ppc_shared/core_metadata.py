"""Core metadata (PEP 658): reading a wheel's METADATA and the fields the index shows."""

from __future__ import annotations

import email.parser
import email.policy
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .errors import BadRequest
from .names import normalize_name, same_version

MAX_METADATA_BYTES = 4 << 20


@dataclass(frozen=True)
class CoreMetadata:
    raw: bytes
    name: str
    version: str
    summary: str
    requires_python: str


def parse_core_metadata(raw: bytes) -> CoreMetadata:
    text = raw.decode("utf-8", errors="replace")
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)
    return CoreMetadata(
        raw=raw,
        name=(message.get("Name") or "").strip(),
        version=(message.get("Version") or "").strip(),
        summary=" ".join((message.get("Summary") or "").split()),
        requires_python=(message.get("Requires-Python") or "").strip(),
    )


def read_wheel_metadata(wheel: BinaryIO, name: str, version: str) -> CoreMetadata:
    """The METADATA of the wheel's own top-level ``<name>-<version>.dist-info``.

    Not the first ``*.dist-info/METADATA`` in the archive: flit_core's wheel carries a
    vendored one first, and serving that makes pip and uv fail.
    """
    try:
        archive = zipfile.ZipFile(wheel)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadRequest("the wheel is not a valid zip archive") from None
    with archive:
        candidates = []
        for info in archive.infolist():
            parts = info.filename.split("/")
            if len(parts) == 2 and parts[1] == "METADATA" and parts[0].endswith(".dist-info"):
                dist_name, _, dist_version = parts[0][: -len(".dist-info")].rpartition("-")
                if normalize_name(dist_name) == name and same_version(dist_version, version):
                    candidates.append(info)
        if len(candidates) != 1:
            raise BadRequest(
                f"the wheel has no single {name}-{version}.dist-info/METADATA "
                "matching its filename"
            )
        info = candidates[0]
        if info.file_size > MAX_METADATA_BYTES:
            raise BadRequest("the wheel's METADATA is too large")
        try:
            raw = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise BadRequest("the wheel's METADATA cannot be read") from None
    metadata = parse_core_metadata(raw)
    if metadata.name and normalize_name(metadata.name) != name:
        raise BadRequest(f"the wheel's METADATA names project {metadata.name!r}, not {name!r}")
    if metadata.version and not same_version(metadata.version, version):
        raise BadRequest(f"the wheel's METADATA says version {metadata.version!r}, not {version!r}")
    return metadata


def validate_requires_python(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise BadRequest(f"invalid requires_python {value!r}: not a PEP 440 specifier") from None
    return value
