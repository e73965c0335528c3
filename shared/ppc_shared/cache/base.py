"""The metadata cache interface every backend (SQL, Redis, DynamoDB) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable

from ..models import PackageFile, ProjectSummary
from ..settings import RawSettings


class Cache(ABC):
    graceful_reload: bool = False

    @classmethod
    @abstractmethod
    def from_settings(cls, raw: RawSettings) -> "Cache":
        """Build from settings, validating every key this backend reads."""

    @abstractmethod
    def fetch(self, filename: str) -> PackageFile | None: ...

    @abstractmethod
    def files(self, name: str) -> list[PackageFile]:
        """Every file of one project (normalised name)."""

    @abstractmethod
    def project_names(self) -> list[str]: ...

    @abstractmethod
    def summaries(self) -> list[ProjectSummary]:
        """One row per project: its latest summary and upload time."""

    @abstractmethod
    def all_files(self) -> list[PackageFile]: ...

    @abstractmethod
    def save(self, package: PackageFile) -> None:
        """Insert or replace one file's row."""

    @abstractmethod
    def save_many(self, packages: Iterable[PackageFile]) -> int: ...

    @abstractmethod
    def remove(self, package: PackageFile) -> None: ...

    @abstractmethod
    def remove_many(self, filenames: Iterable[str]) -> None: ...

    @abstractmethod
    def clear_all(self) -> None: ...

    def is_empty(self) -> bool:
        return not self.project_names()

    def check_health(self) -> tuple[bool, str]:
        return True, ""

    def close(self) -> None:
        """Release connections (tests and shutdown)."""
