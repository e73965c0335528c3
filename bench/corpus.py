"""The benchmark corpus: N projects x M versions x (wheel + sdist) in PyPICloud 1.x's file
layout, ``<dir>/<normalised name>/<version>/<filename>`` plus a ``<filename>.meta`` JSON
sidecar (summary, requires_python, hash_sha256, hash_md5, uploader, size).

Files are tiny but real: each wheel is a valid zip with ``METADATA``, ``WHEEL`` and a
``RECORD`` that matches; each sdist a valid gzip tar with ``PKG-INFO`` and
``pyproject.toml``. Built once and kept under ``bench/corpus/`` (git-ignored); a
``manifest.json`` written last marks a complete corpus, so an interrupted build is
thrown away and redone.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import shutil
import tarfile
import time
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor

FORMAT = 1  # bump when the layout or content changes, so old corpora are rebuilt
# Fixed upload times (spread over ~3 years) so pages and ETags are the same every run.
EPOCH = 1_600_000_000
WORDS = (
    "acme alpha amber apex arc atlas aurora beacon birch bolt cedar cinder cobalt comet "
    "coral crane delta drift ember falcon fern flint forge frost garnet glacier harbor "
    "hazel helix ion iris jade juniper kestrel lark lumen maple meadow mesa nimbus nova "
    "onyx orbit otter pebble pine pixel prism quartz raven reef ridge sable sage sierra "
    "slate solar spruce summit tango tern thistle tidal topaz tundra umber vale vector "
    "violet willow wren yarrow zephyr"
).split()
SEPARATORS = ("-", "_", ".")


def project_names(count: int) -> list[str]:
    """Deterministic, realistic-looking names as an uploader would type them (mixed
    case and separators); storage folders use the normalised form."""
    rng = random.Random(20240601)
    names = []
    for i in range(count):
        first, second = rng.choice(WORDS), rng.choice(WORDS)
        sep = rng.choice(SEPARATORS)
        name = f"{first}{sep}{second}{sep}{i:04d}"
        if rng.random() < 0.2:
            name = name.title()
        names.append(name)
    return names


def normalize(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _module(normalized: str) -> str:
    return normalized.replace("-", "_")


def _metadata(name: str, version: str, summary: str, requires_python: str) -> bytes:
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
            f"Requires-Python: {requires_python}\nLicense: MIT\n\n").encode()


def _wheel(module: str, version: str, metadata: bytes) -> bytes:
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: ppc-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _sdist(module: str, version: str, metadata: bytes, mtime: int) -> bytes:
    root = f"{module}-{version}"
    files = {
        f"{root}/PKG-INFO": metadata,
        f"{root}/pyproject.toml": (
            f'[project]\nname = "{module}"\nversion = "{version}"\n\n'
            '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        ).encode(),
        f"{root}/{module}/__init__.py": f"__version__ = {version!r}\n".encode(),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = mtime
            archive.addfile(info, io.BytesIO(data))
    # gzip framing by hand: tarfile's "w:gz" goes through GzipFile, which is slower.
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    return compressor.compress(raw.getvalue()) + compressor.flush()


def _write(path: str, data: bytes, mtime: int) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
    os.utime(path, (mtime, mtime))


def _build_projects(args: tuple[str, list[tuple[int, str]], int]) -> int:
    """Write the files of some projects; returns how many distribution files."""
    directory, projects, versions = args
    written = 0
    for index, name in projects:
        normalized = normalize(name)
        module = _module(normalized)
        rng = random.Random(index)
        summary = f"{name.replace('-', ' ').replace('_', ' ').replace('.', ' ')}: a benchmark project"
        uploader = rng.choice(("admin", "reader", "ci-bot"))
        for v in range(versions):
            version = f"{1 + v // 3}.{v % 3}.{rng.randrange(10)}"
            requires_python = rng.choice((">=3.8", ">=3.9", ">=3.10", ">=3.8,<4"))
            folder = os.path.join(directory, normalized, version)
            os.makedirs(folder, exist_ok=True)
            metadata = _metadata(name, version, summary, requires_python)
            mtime = EPOCH + index * 40_000 + v * 3_600
            for filename, data in (
                (f"{module}-{version}-py3-none-any.whl", _wheel(module, version, metadata)),
                (f"{module}-{version}.tar.gz", _sdist(module, version, metadata, mtime)),
            ):
                path = os.path.join(folder, filename)
                _write(path, data, mtime)
                sidecar = {
                    "summary": summary,
                    "requires_python": requires_python,
                    "hash_sha256": hashlib.sha256(data).hexdigest(),
                    "hash_md5": hashlib.md5(data).hexdigest(),
                    "uploader": uploader,
                    "size": len(data),
                }
                _write(path + ".meta", json.dumps(sidecar, sort_keys=True).encode(), mtime)
                written += 1
    return written


def ensure_corpus(root: str, projects: int, versions: int, *, jobs: int = 2,
                  log=print) -> dict:
    """The corpus for ``projects`` x ``versions`` under ``root``, built if missing.
    Returns the manifest (``packages_dir``, ``names``, ``files``, ...)."""
    base = os.path.join(root, f"p{projects}-v{versions}")
    manifest_path = os.path.join(base, "manifest.json")
    try:
        with open(manifest_path) as handle:
            manifest = json.load(handle)
        if manifest.get("format") == FORMAT and os.path.isdir(manifest["packages_dir"]):
            log(f"corpus: reusing {manifest['files']} files in {os.path.relpath(base)}")
            return manifest
    except (OSError, ValueError, KeyError):
        pass
    if os.path.isdir(base):
        shutil.rmtree(base)  # incomplete or old format: start over
    packages_dir = os.path.join(base, "packages")
    os.makedirs(packages_dir)
    names = project_names(projects)
    started = time.perf_counter()
    indexed = list(enumerate(names))
    jobs = max(1, min(jobs, os.cpu_count() or 1))
    chunks = [(packages_dir, indexed[i::jobs * 8], versions) for i in range(jobs * 8)]
    if jobs == 1:
        files = sum(map(_build_projects, chunks))
    else:
        with ProcessPoolExecutor(jobs) as pool:
            files = sum(pool.map(_build_projects, chunks))
    seconds = time.perf_counter() - started
    manifest = {
        "format": FORMAT,
        "projects": projects,
        "versions": versions,
        "files": files,
        "packages_dir": packages_dir,
        "names": sorted(normalize(n) for n in names),
        "build_seconds": round(seconds, 2),
    }
    with open(manifest_path + ".tmp", "w") as handle:
        json.dump(manifest, handle)
    os.replace(manifest_path + ".tmp", manifest_path)
    log(f"corpus: built {files} files ({projects} projects x {versions} versions x 2) "
        f"in {seconds:.1f} s under {os.path.relpath(base)}")
    return manifest
