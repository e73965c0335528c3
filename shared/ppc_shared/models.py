"""The package model: one stored distribution file and what is known about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Metadata keys 1.x kept (its sidecars and cache rows use these names) ...
LEGACY_METADATA_KEYS = ("requires_python", "hash_sha256", "hash_md5", "uploader")
# ... and the ones added here; all live in the same metadata dict, so every storage and
# cache backend carries them without schema changes.
METADATA_KEYS = LEGACY_METADATA_KEYS + (
    "hash_blake2b_256",
    "size",
    "core_metadata_sha256",
    "yanked",
    "yanked_reason",
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def clean_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values (1.x does) so that rows and sidecars stay small."""
    return {k: v for k, v in metadata.items() if v not in (None, "", False)}


@dataclass
class PackageFile:
    name: str  # PEP 503-normalised
    version: str
    filename: str
    last_modified: datetime
    summary: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.last_modified = as_utc(self.last_modified)
        self.metadata = clean_metadata(self.metadata)

    @property
    def sha256(self) -> str | None:
        return self.metadata.get("hash_sha256")

    @property
    def md5(self) -> str | None:
        return self.metadata.get("hash_md5")

    @property
    def blake2b_256(self) -> str | None:
        return self.metadata.get("hash_blake2b_256")

    @property
    def requires_python(self) -> str | None:
        return self.metadata.get("requires_python")

    @property
    def size(self) -> int | None:
        size = self.metadata.get("size")
        return int(size) if size is not None else None

    @property
    def core_metadata_sha256(self) -> str | None:
        return self.metadata.get("core_metadata_sha256")

    @property
    def yanked(self) -> bool:
        return bool(self.metadata.get("yanked"))

    @property
    def yanked_reason(self) -> str:
        return self.metadata.get("yanked_reason") or ""

    def hashes(self) -> dict[str, str]:
        """Known digests, keyed by hashlib name (PEP 691 ``hashes``)."""
        found = {"sha256": self.sha256, "md5": self.md5, "blake2b_256": self.blake2b_256}
        return {k: v for k, v in found.items() if v}

    def sidecar(self) -> dict[str, Any]:
        """Everything storage keeps beside the file (1.x's ``.meta`` JSON keys and ours)."""
        return clean_metadata({"summary": self.summary, **self.metadata})


@dataclass(frozen=True)
class ProjectSummary:
    name: str
    summary: str
    last_modified: datetime
