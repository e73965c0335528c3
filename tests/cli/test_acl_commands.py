"""``ppc export`` / ``ppc import`` and 1.x's ``ppc-export`` / ``ppc-import``, run as a
user runs them: config → sql through a pipe, files, idempotence, bad input."""

import gzip
import json
import subprocess

from ppc_shared.access.config import ConfigAccessBackend
from ppc_shared.settings import read_config_file
from tests.conftest import DOCS_USERS, docs_acl_settings

from .test_commands import BIN, ppc


def write_config(path, **values):
    lines = ["[app:main]", "pypi.storage = file", "storage.dir = %(here)s/packages",
             "db.url = sqlite:///%(here)s/cache.sqlite"]
    for key, value in values.items():
        lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def config_ini(tmp_path):
    values = {**docs_acl_settings(), "auth.admins": "stevearc"}
    return write_config(tmp_path / "config.ini", **values)


def sql_ini(tmp_path, name="sql.ini"):
    return write_config(tmp_path / name, **{"pypi.auth": "sql", "auth.db.url": f"sqlite:///{tmp_path / 'auth.sqlite'}"})


def test_export_config_pipe_into_import_sql_twice(tmp_path):
    source, target = config_ini(tmp_path), sql_ini(tmp_path)
    exported = subprocess.run([str(BIN / "ppc-export"), source], capture_output=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    dump = json.loads(gzip.decompress(exported.stdout))
    assert {u["username"] for u in dump["users"]} == set(DOCS_USERS)
    for _ in range(2):  # idempotent
        imported = subprocess.run([str(BIN / "ppc-import"), target], input=exported.stdout, capture_output=True,
                                  timeout=60)
        assert imported.returncode == 0, imported.stderr
    again = subprocess.run([str(BIN / "ppc"), "export", target], capture_output=True, timeout=60)
    round_trip = json.loads(gzip.decompress(again.stdout))
    assert round_trip["users"] == dump["users"]
    assert round_trip["groups"] == {g: sorted(m) for g, m in dump["groups"].items()}
    assert round_trip["packages"] == dump["packages"]
    config = ConfigAccessBackend.from_settings(read_config_file(source, env={}))
    assert round_trip["packages"]["users"]["django-unchained"] == {"stevearc": ["read", "write"]}
    assert config.package_acls()["django-unchained"].users == {"stevearc": {"read", "write"}}


def test_export_to_file_and_import_from_file(tmp_path):
    source, target = config_ini(tmp_path), sql_ini(tmp_path)
    out = tmp_path / "acl.json.gz"
    assert ppc("export", source, "-o", str(out)).returncode == 0
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    result = ppc("import", target, "-i", str(out))
    assert result.returncode == 0, result.stderr


def test_import_refuses_bad_input_and_read_only_backends(tmp_path):
    source, target = config_ini(tmp_path), sql_ini(tmp_path)
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"\x1f\x8bnot really gzip")
    result = ppc("import", target, "-i", str(bad))
    assert result.returncode == 2 and "not a gzipped JSON ACL dump" in result.stderr
    bad.write_bytes(gzip.compress(b'{"users": [{"nope": 1}]}'))
    result = ppc("import", target, "-i", str(bad))
    assert result.returncode == 2 and "not a valid ACL dump" in result.stderr
    result = ppc("import", source, "-i", str(bad))
    assert result.returncode == 2 and "read-only" in result.stderr
    assert "Traceback" not in result.stderr
