"""Checking an upload before anything is stored: the filename against name and version,
the bytes against the digests the client sent and against the archive type, and a
wheel's core metadata against its filename."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from .core_metadata import CoreMetadata, read_wheel_metadata, validate_requires_python
from .errors import BadRequest
from .hashing import HashingSpoolFile
from .models import PackageFile, utcnow
from .names import DistFilename, parse_filename, same_version, validate_name

MAX_SUMMARY_LENGTH = 512

# What each archive type starts with; 1.x stored "wheels" that were not zips.
_MAGIC = {
    ".whl": (b"PK\x03\x04",),
    ".egg": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04",),
    ".tar.gz": (b"\x1f\x8b",),
    ".tgz": (b"\x1f\x8b",),
    ".tar.bz2": (b"BZh",),
    ".tar.xz": (b"\xfd7zXZ\x00",),
}
# The digests twine and uv send, and the hasher's name for each.
_FORM_DIGESTS = {"sha256_digest": "sha256", "md5_digest": "md5", "blake2_256_digest": "blake2b_256"}


@dataclass
class UploadForm:
    """The legacy upload API's fields (what twine, uv publish and 1.x's web UI send)."""

    filename: str
    name: str | None = None
    version: str | None = None
    summary: str | None = None
    requires_python: str | None = None
    digests: dict[str, str] = field(default_factory=dict)  # form field → hex


@dataclass
class CheckedUpload:
    package: PackageFile
    core_metadata: bytes | None


def _check_magic(dist: DistFilename, spool: HashingSpoolFile) -> None:
    spool.seek(0)
    head = spool.read(8)
    spool.seek(0)
    if not head:
        raise BadRequest(f"{dist.filename} is empty")
    lower = dist.filename.lower()
    for ext, magics in _MAGIC.items():
        if lower.endswith(ext):
            if not head.startswith(magics):
                raise BadRequest(f"{dist.filename} is not a valid {ext} archive")
            return


def _check_digests(form: UploadForm, digests: dict[str, str]) -> None:
    for field_name, algorithm in _FORM_DIGESTS.items():
        sent = (form.digests.get(field_name) or "").strip().lower()
        if sent and not hmac.compare_digest(sent, digests[algorithm]):
            raise BadRequest(f"{field_name} does not match the uploaded file: the upload was corrupted")


def check_upload(form: UploadForm, spool: HashingSpoolFile, uploader: str | None,
                 calculate_hashes: bool = True, url_name: str | None = None) -> CheckedUpload:
    """Validate everything about an upload, or raise BadRequest naming the problem."""
    dist = parse_filename(form.filename)
    for claimed in (form.name, url_name):
        if claimed and validate_name(claimed) != dist.name:
            raise BadRequest(f"the filename {dist.filename!r} is not a file of project {claimed!r}")
    if form.version and not same_version(form.version, dist.version):
        raise BadRequest(f"the filename {dist.filename!r} is not a file of version {form.version!r}")
    digests = spool.hasher.digests()
    _check_digests(form, digests)
    _check_magic(dist, spool)

    core: CoreMetadata | None = None
    if dist.is_wheel:
        core = read_wheel_metadata(spool, dist.name, dist.version)
        spool.seek(0)
    summary = " ".join((form.summary or (core.summary if core else "")).split())[:MAX_SUMMARY_LENGTH]
    requires_python = validate_requires_python(form.requires_python or (core.requires_python if core else ""))

    metadata = {
        "requires_python": requires_python,
        "uploader": uploader or "",
        "size": spool.hasher.size,
    }
    if calculate_hashes:
        metadata.update(hash_sha256=digests["sha256"], hash_md5=digests["md5"],
                        hash_blake2b_256=digests["blake2b_256"])
    raw_metadata = None
    if core is not None:
        raw_metadata = core.raw
        metadata["core_metadata_sha256"] = hashlib.sha256(core.raw).hexdigest()
    package = PackageFile(
        name=dist.name,
        version=dist.version,
        filename=dist.filename,
        last_modified=utcnow(),
        summary=summary,
        metadata=metadata,
    )
    return CheckedUpload(package, raw_metadata)
