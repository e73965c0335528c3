"""Builds small real distributions for tests: wheels, and sdists whose in-tree PEP 517
backend needs nothing from an index (so pip and uv can build them with no network)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name


def _module(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def core_metadata(name: str, version: str, *, summary: str = "", requires_python: str | None = None,
                  requires: tuple[str, ...] = ()) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if summary:
        lines.append(f"Summary: {summary}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {req}" for req in requires]
    return "\n".join(lines) + "\n\n"


def wheel_bytes(name: str, version: str, *, summary: str = "", requires_python: str | None = None,
                requires: tuple[str, ...] = (), extra_files: dict[str, bytes] | None = None,
                dist_info_name: str | None = None) -> bytes:
    module = _module(name)
    dist_info = f"{dist_info_name or module}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n".encode(),
        **(extra_files or {}),
        f"{dist_info}/METADATA": core_metadata(name, version, summary=summary,
                                               requires_python=requires_python, requires=requires).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
    }
    record_lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            # A fixed date: the same arguments always give the same bytes (tests compare
            # what they uploaded with what they download, across clock ticks).
            archive.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def wheel_filename(name: str, version: str) -> str:
    return f"{_module(name)}-{version}-py3-none-any.whl"


def make_wheel(directory: Path, name: str, version: str, **kwargs) -> Path:
    path = Path(directory) / wheel_filename(name, version)
    path.write_bytes(wheel_bytes(name, version, **kwargs))
    return path


# A PEP 517 backend that lives inside the sdist: builds a wheel with zipfile alone.
_BACKEND = '''
import base64, hashlib, os, zipfile

NAME = {name!r}
VERSION = {version!r}
MODULE = {module!r}
METADATA = {metadata!r}


def _record(files):
    lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{{path}},sha256={{digest}},{{len(data)}}")
    return lines


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist_info = f"{{MODULE}}-{{VERSION}}.dist-info"
    files = {{
        f"{{MODULE}}/__init__.py": open(os.path.join(MODULE, "__init__.py"), "rb").read(),
        f"{{dist_info}}/METADATA": METADATA.encode(),
        f"{{dist_info}}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n\\n",
    }}
    lines = _record(files) + [f"{{dist_info}}/RECORD,,"]
    files[f"{{dist_info}}/RECORD"] = ("\\n".join(lines) + "\\n").encode()
    filename = f"{{MODULE}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return filename
'''


def sdist_filename(name: str, version: str) -> str:
    return f"{_module(name)}-{version}.tar.gz"


def sdist_bytes(name: str, version: str, *, summary: str = "", requires_python: str | None = None,
                requires: tuple[str, ...] = ()) -> bytes:
    module = _module(name)
    metadata = core_metadata(name, version, summary=summary, requires_python=requires_python,
                             requires=requires)
    root = f"{module}-{version}"
    files = {
        f"{root}/PKG-INFO": metadata.encode(),
        f"{root}/pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "ppc_test_backend"\nbackend-path = ["."]\n'
        ).encode(),
        f"{root}/ppc_test_backend.py": _BACKEND.format(name=name, version=version, module=module,
                                                       metadata=metadata).encode(),
        f"{root}/{module}/__init__.py": f"__version__ = {version!r}\nBUILT_FROM = 'sdist'\n".encode(),
    }
    buffer = io.BytesIO()
    # mtime=0 in the gzip header: the same arguments give the same bytes in any second
    # (tests compare digests of bytes built again later).
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed, \
            tarfile.open(fileobj=compressed, mode="w") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_sdist(directory: Path, name: str, version: str, **kwargs) -> Path:
    path = Path(directory) / sdist_filename(name, version)
    path.write_bytes(sdist_bytes(name, version, **kwargs))
    return path
