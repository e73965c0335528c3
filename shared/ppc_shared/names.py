"""Project names, versions and distribution filenames (PEP 503, PEP 440, PEP 427, PEP 625).

Every comparison of names in the project goes through `normalize_name`; every filename
that enters storage goes through `parse_filename`, which refuses anything that could be
a path or that does not name a distribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .errors import BadRequest

# PEP 508 names, ASCII only: 1.x accepted look-alikes such as the Kelvin sign, which
# lower-cases to "k" and so aliases another project.
# re.ASCII: with IGNORECASE alone, [A-Z] matches the Kelvin sign. fullmatch: "$" would
# let a trailing newline through.
_NAME_RE = re.compile(r"([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])", re.IGNORECASE | re.ASCII)
MAX_NAME_LENGTH = 200
MAX_FILENAME_LENGTH = 255  # the SQL cache's key column and most file systems
# Versions end up in storage paths (1.x wrote files outside its directory through them),
# so besides being valid PEP 440 they must be plain.
_SAFE_VERSION_RE = re.compile(r"[A-Za-z0-9.+!_-]{1,128}", re.ASCII)

SDIST_EXTENSIONS = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")
BINARY_EXTENSIONS = (".whl", ".egg")


def normalize_name(name: str) -> str:
    """PEP 503 normalisation: runs of -, _ and . become one -, lower-cased."""
    return canonicalize_name(name)


def is_valid_name(name: str) -> bool:
    return len(name) <= MAX_NAME_LENGTH and _NAME_RE.fullmatch(name) is not None


def validate_name(name: str) -> str:
    """Return the normalised name, or raise BadRequest saying what is wrong."""
    if not name:
        raise BadRequest("the package name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"the package name is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME_RE.fullmatch(name):
        raise BadRequest(
            f"invalid package name {name!r}: use ASCII letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit"
        )
    return normalize_name(name)


def parse_version(version: str) -> Version:
    if not _SAFE_VERSION_RE.fullmatch(version or ""):
        raise BadRequest(f"invalid version {version!r}")
    try:
        return Version(version)
    except InvalidVersion:
        raise BadRequest(f"invalid version {version!r}: not a PEP 440 version") from None


@dataclass(frozen=True)
class DistFilename:
    """What a distribution's filename says about it."""

    filename: str
    name: str  # normalised
    version: str  # as written in the filename
    packagetype: str  # sdist, bdist_wheel, bdist_egg

    @property
    def is_wheel(self) -> bool:
        return self.packagetype == "bdist_wheel"


def _check_plain_filename(filename: str) -> None:
    if not filename:
        raise BadRequest("the filename is empty")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise BadRequest(f"the filename is longer than {MAX_FILENAME_LENGTH} characters")
    if not filename.isascii() or not filename.isprintable():
        raise BadRequest("the filename must be printable ASCII")
    if "/" in filename or "\\" in filename or filename.startswith(".") or "%" in filename:
        raise BadRequest(f"invalid filename {filename!r}: it must be a bare file name")


def parse_filename(filename: str) -> DistFilename:
    """Parse a wheel, sdist or egg filename, or raise BadRequest naming the problem."""
    _check_plain_filename(filename)
    lower = filename.lower()
    if lower.endswith(".whl"):
        try:
            name, version, _build, _tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as exc:
            raise BadRequest(f"invalid wheel filename {filename!r}: {exc}") from None
        version_text = filename.split("-")[1]
        packagetype = "bdist_wheel"
    elif lower.endswith(".egg"):
        # name-version(-pyX.Y(-platform)).egg, with '-' escaped as '_' inside each part
        parts = filename[: -len(".egg")].split("-")
        if len(parts) < 2:
            raise BadRequest(f"invalid egg filename {filename!r}")
        name, version_text = parts[0], parts[1]
        packagetype = "bdist_egg"
    else:
        ext = next((e for e in SDIST_EXTENSIONS if lower.endswith(e)), None)
        if ext is None:
            raise BadRequest(
                f"invalid filename {filename!r}: expected a wheel (.whl), an sdist "
                f"({', '.join(SDIST_EXTENSIONS)}) or an egg"
            )
        if ext in (".tar.gz", ".zip"):
            try:
                name, _version = parse_sdist_filename(filename)
            except InvalidSdistFilename as exc:
                raise BadRequest(f"invalid sdist filename {filename!r}: {exc}") from None
        stem = filename[: -len(ext)]
        name, sep, version_text = stem.rpartition("-")
        if not sep:
            raise BadRequest(f"invalid sdist filename {filename!r}: no version")
        packagetype = "sdist"
    if not is_valid_name(name):
        raise BadRequest(f"invalid filename {filename!r}: bad project name {name!r}")
    parse_version(version_text)
    return DistFilename(filename, normalize_name(name), version_text, packagetype)


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality: '1.0' and '1.0.0' name the same release."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def is_prerelease(version: str) -> bool:
    # 1.x's definition, kept for its JSON answers.
    return re.match(r"^\d+(\.\d+)*$", version) is None


def version_sort_key(version: str):
    """Sort key that never raises: invalid versions sort first, by text."""
    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)
