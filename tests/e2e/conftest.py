"""End-to-end fixtures: a real ``ppc serve`` (gunicorn) on a free port of 127.0.0.1, and
real pip, uv and twine run as subprocesses against it with a clean environment.

Nothing here may reach the network beyond 127.0.0.1: the subprocess environment drops
every pip/uv/twine setting, proxy and find-links of the caller, and the distributions
under test need nothing from an index to build or install.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ppc_shared.passwords import hash_password, make_context

BIN = Path(sys.executable).parent
PPC = BIN / "ppc"
TWINE = BIN / "twine"
UV = BIN / "uv"

ADMIN = ("admin", "admin-e2e-secret")
READER = ("reader", "reader-e2e-secret")

START_TIMEOUT = 30.0
# Generous: a cold pip in a fresh venv is slow on a busy machine; the normal run is far shorter.
RUN_TIMEOUT = 120.0


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that points pip, uv or twine elsewhere."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.upper().startswith(("PIP_", "UV_", "TWINE_", "PYTHON", "VIRTUAL_ENV", "CONDA_"))
        and "PROXY" not in key.upper()
    }
    env.update({
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_COLOR": "1",
        "UV_NO_CONFIG": "1",
        "UV_NO_CACHE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        "UV_KEYRING_PROVIDER": "disabled",
        # twine: no keyring look-ups, no prompts.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "NO_COLOR": "1",
        # Belt and braces: whatever slips through must not go via a proxy.
        "NO_PROXY": "*",
        "no_proxy": "*",
    })
    env.update(extra)
    return env


def run(args: list, *, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT,
        cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """Run a command with no stdin (so nothing can prompt), capturing its output."""
    return subprocess.run([str(a) for a in args], env=env or clean_env(), cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


def describe(result: subprocess.CompletedProcess) -> str:
    return (f"$ {' '.join(result.args)}\nexit {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@dataclass
class Server:
    port: int
    root: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upload_url(self) -> str:
        return f"{self.base_url}/simple/"

    def index_url(self, credentials: tuple[str, str] | None = READER) -> str:
        """The simple index URL, with ``user:password@`` unless ``credentials`` is None."""
        if credentials is None:
            return f"{self.base_url}/simple/"
        user, password = credentials
        return f"http://{user}:{password}@127.0.0.1:{self.port}/simple/"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_mark(self) -> int:
        """A position in the log; `log_since` returns what was written after it."""
        return self.log_path.stat().st_size

    def log_since(self, mark: int) -> str:
        with open(self.log_path, "rb") as handle:
            handle.seek(mark)
            return handle.read().decode(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def _write_config(root: Path) -> Path:
    context = make_context("sha256_crypt", 1000)
    config = root / "config.ini"
    config.write_text(
        "[app:main]\n"
        "pypi.storage = file\n"
        "storage.dir = %(here)s/packages\n"
        "pypi.db = sql\n"
        "db.url = sqlite:///%(here)s/cache.sqlite\n"
        "pypi.auth = config\n"
        "pypi.fallback = none\n"
        f"auth.admins = {ADMIN[0]}\n"
        f"user.{ADMIN[0]} = {hash_password(context, ADMIN[1])}\n"
        f"user.{READER[0]} = {hash_password(context, READER[1])}\n"
    )
    return config


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers on TERM
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # The server runs in its own process group (start_new_session): end that group.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def start_server(root: Path, *extra_args: str) -> Server:
    """``ppc serve CONFIG`` on a free port, answering /health; the caller stops it."""
    config = _write_config(root)
    log_path = root / "server.log"
    for attempt in range(3):  # the free port can be taken between probing and binding
        port = _free_port()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [str(PPC), "serve", str(config), "--host", "127.0.0.1", "--port", str(port), *extra_args],
                cwd=root, env=clean_env(PYTHONUNBUFFERED="1"), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        started = Server(port=port, root=root, log_path=log_path, process=process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if http_status(f"{started.base_url}/health") == 200:
                break
            time.sleep(0.1)
        if process.poll() is None and http_status(f"{started.base_url}/health") == 200:
            return started
        _stop(process)
    pytest.fail(f"ppc serve {' '.join(extra_args)} did not answer /health with 200:\n{started.tail()}")


def stop_server(server: Server) -> None:
    _stop(server.process)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """The default ``ppc serve`` (gunicorn, gevent worker)."""
    started = start_server(tmp_path_factory.mktemp("ppc-server"))
    try:
        yield started
    finally:
        stop_server(started)


@dataclass
class Installer:
    """One installer (pip or uv) and the venv, shared by the session, it installs into."""

    kind: str
    python: Path

    def install_args(self, index_url: str, *requirements: str) -> list:
        if self.kind == "pip":
            return [self.python, "-m", "pip", "install", "--no-cache-dir", "--index-url", index_url,
                    *requirements]
        return [UV, "pip", "install", "--no-cache", "--python", self.python, "--index-url", index_url,
                *requirements]

    def install(self, index_url: str, *requirements: str) -> subprocess.CompletedProcess:
        return run(self.install_args(index_url, *requirements))

    def run_python(self, code: str) -> subprocess.CompletedProcess:
        return run([self.python, "-c", code])


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


@pytest.fixture(scope="session")
def pip_installer(tmp_path_factory) -> Installer:
    """A ``python -m venv`` with the pip that ensurepip bundles (offline by design)."""
    venv = tmp_path_factory.mktemp("pip-venv") / "venv"
    result = run([sys.executable, "-m", "venv", venv])
    assert result.returncode == 0, describe(result)
    return Installer("pip", _venv_python(venv))


@pytest.fixture(scope="session")
def uv_installer(tmp_path_factory) -> Installer:
    """A ``uv venv`` on this interpreter (no interpreter downloads)."""
    venv = tmp_path_factory.mktemp("uv-venv") / "venv"
    result = run([UV, "venv", "--python", sys.executable, venv])
    assert result.returncode == 0, describe(result)
    return Installer("uv", _venv_python(venv))


@pytest.fixture(params=["pip", "uv"])
def installer(request) -> Installer:
    return request.getfixturevalue(f"{request.param}_installer")


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dists")
