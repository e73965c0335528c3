"""The storage interface every backend (file, S3, GCS, Azure Blob) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from ..models import PackageFile
from ..settings import RawSettings


@dataclass(frozen=True)
class DownloadTarget:
    """How to hand a stored file to a client: a local path (sent with sendfile), a URL
    to redirect to (signed, for object stores), or a stream to copy through."""

    path: str | None = None
    url: str | None = None
    stream: BinaryIO | None = None


class Storage(ABC):
    @classmethod
    @abstractmethod
    def from_settings(cls, raw: RawSettings) -> "Storage":
        """Build from settings, validating every key this backend reads."""

    @abstractmethod
    def list(self) -> Iterator[PackageFile]:
        """Every stored file with its metadata (what a cache rebuild reads)."""

    @abstractmethod
    def upload(self, package: PackageFile, data: BinaryIO, *, overwrite: bool,
               core_metadata: bytes | None = None) -> None:
        """Store the file atomically: data first, metadata last, nothing partial left
        behind on error. Raises `Conflict` if it exists and ``overwrite`` is false; of
        two racing uploads of one filename exactly one wins."""

    @abstractmethod
    def delete(self, package: PackageFile) -> None:
        """Remove the file and its metadata; a missing file is not an error."""

    @abstractmethod
    def save_metadata(self, package: PackageFile) -> None:
        """Rewrite only the metadata of a stored file (yanking)."""

    @abstractmethod
    def open(self, package: PackageFile) -> BinaryIO:
        """A readable binary stream of the file's bytes; raises `NotFound`."""

    @abstractmethod
    def get_core_metadata(self, package: PackageFile) -> bytes | None:
        """The PEP 658 metadata file stored with a wheel, if any."""

    def save_core_metadata(self, package: PackageFile, core_metadata: bytes) -> None:
        """Store the PEP 658 metadata file of an already stored wheel (the worker's
        metadata job fills in what older uploads lack)."""
        raise NotImplementedError(f"{type(self).__name__} cannot add core metadata to a stored file")

    def download(self, package: PackageFile) -> DownloadTarget:
        return DownloadTarget(stream=self.open(package))

    def check_health(self) -> tuple[bool, str]:
        return True, ""
