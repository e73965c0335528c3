"""Settings: a PyPICloud 1.x ``config.ini`` read once at start-up into typed values.

The ``[app:main]`` section is read with ``%(here)s`` set to the file's folder. Any key
except ``user.*``, ``group.*`` and ``package.*`` can be overridden by an environment
variable named ``PPC_`` + the key upper-cased with ``.`` turned into ``_`` (1.x's rule).
Every typed getter raises `SettingsError` naming the key, so a bad value stops start-up
with one line instead of failing later at a request.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .errors import SettingsError
from .names import normalize_name

APP_SECTION = "app:main"
# Access-control keys are never taken from the environment (1.x documents this).
_NO_ENV_PREFIXES = ("user.", "group.", "package.")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def env_name(key: str) -> str:
    return "PPC_" + key.upper().replace(".", "_")


class RawSettings:
    """The settings as strings, with typed getters that validate and name the key."""

    def __init__(self, values: Mapping[str, str], env: Mapping[str, str] | None = None,
                 here: str | None = None):
        self._values = {k.strip(): v.strip() for k, v in values.items()}
        self._env = dict(os.environ if env is None else env)
        self.here = here or os.getcwd()

    # -- lookup -------------------------------------------------------------------------
    def raw(self, key: str) -> str | None:
        if not key.startswith(_NO_ENV_PREFIXES):
            value = self._env.get(env_name(key))
            if value is not None:
                return value.strip()
        return self._values.get(key)

    def __contains__(self, key: str) -> bool:
        return self.raw(key) is not None

    def keys_with_prefix(self, prefix: str) -> dict[str, str]:
        """Keys under ``prefix`` from the file (the environment cannot add these)."""
        found = {k: v for k, v in self._values.items() if k.startswith(prefix)}
        for key in found:
            found[key] = self.raw(key) or ""
        return found

    # -- typed getters --------------------------------------------------------------------
    def str(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.raw(key)
        if value is None or value == "":
            if required:
                raise SettingsError(key, "is required")
            return default
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise SettingsError(key, f"expected true or false, got {value!r}")

    def int(self, key: str, default: int | None, *, minimum: int | None = None) -> int | None:
        value = self.raw(key)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(key, f"expected a whole number, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise SettingsError(key, f"must be at least {minimum}, got {number}")
        return number

    def size(self, key: str, default: int) -> int:
        """A byte count, with an optional K, M or G suffix (powers of 1024)."""
        value = self.raw(key)
        if value is None or value == "":
            return default
        text = value.strip().upper().removesuffix("B")
        factor = 1
        for suffix, multiple in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
            if text.endswith(suffix):
                text, factor = text[:-1], multiple
                break
        try:
            number = int(text) * factor
        except ValueError:
            raise SettingsError(key, f"expected a size such as 500M, got {value!r}") from None
        if number <= 0:
            raise SettingsError(key, "must be greater than 0")
        return number

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        value = self.str(key, default)
        allowed = list(choices)
        if value not in allowed:
            raise SettingsError(key, f"expected one of {', '.join(allowed)}; got {value!r}")
        return value

    def list(self, key: str, default: Iterable[str] = ()) -> list[str]:
        """A whitespace- or comma-separated list (1.x uses whitespace)."""
        value = self.raw(key)
        if value is None:
            return list(default)
        return [item for item in value.replace(",", " ").split() if item]

    def path(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.str(key, default, required=required)
        if value is None:
            return None
        return os.path.abspath(os.path.join(self.here, os.path.expanduser(value)))


def read_config_file(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> RawSettings:
    """Read ``[app:main]`` of a PasteDeploy-style ini file, as 1.x does."""
    path = Path(path)
    if not path.is_file():
        raise SettingsError("config", f"no config file at {str(path)!r}")
    here = str(path.resolve().parent)
    parser = configparser.ConfigParser(defaults={"here": here, "__file__": str(path.resolve())},
                                       interpolation=configparser.BasicInterpolation(),
                                       strict=False)
    parser.optionxform = str  # keys are case-sensitive: user.<Name>, package.<Name>
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise SettingsError("config", f"cannot parse {path.name}: {exc}".splitlines()[0]) from None
    if not parser.has_section(APP_SECTION):
        raise SettingsError("config", f"{path.name} has no [{APP_SECTION}] section")
    values: dict[str, str] = {}
    for key in parser.options(APP_SECTION):
        if key in ("here", "__file__"):
            continue
        try:
            values[key] = parser.get(APP_SECTION, key)
        except configparser.InterpolationError as exc:
            raise SettingsError(key, f"bad %(...)s interpolation: {exc.message}") from None
    return RawSettings(values, env=env, here=here)


@dataclass(frozen=True)
class IndexSettings:
    """The ``pypi.*`` settings, parsed once."""

    realm: str
    default_read: frozenset[str]
    default_write: frozenset[str]
    cache_update: frozenset[str]
    allow_overwrite_groups: frozenset[str]
    allow_delete_groups: frozenset[str]
    calculate_package_hashes: bool
    fallback: str
    fallback_base_url: str
    always_show_upstream: bool
    disallow_fallback: frozenset[str]
    use_json_scraper: bool
    stream_files: bool
    package_max_age: int
    max_upload_bytes: int
    credential_cache_seconds: int
    page_cache_entries: int

    @classmethod
    def from_raw(cls, raw: RawSettings) -> "IndexSettings":
        overwrite = raw.list("pypi.allow_overwrite_groups", ())
        if "pypi.allow_overwrite_groups" not in raw and raw.bool("pypi.allow_overwrite", False):
            overwrite = ["authenticated"]  # the deprecated flag meant "any logged-in user"
        delete = raw.list("pypi.allow_delete_groups", ["authenticated"])
        if "pypi.allow_delete_groups" not in raw and not raw.bool("pypi.allow_delete", True):
            delete = []
        base_url = raw.str("pypi.fallback_base_url")
        if base_url is None:
            legacy = raw.str("pypi.fallback_url")
            # The deprecated key named the simple index; the base is the server above it.
            base_url = legacy.rstrip("/").removesuffix("/simple") if legacy else "https://pypi.org"
        base_url = base_url.rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError("pypi.fallback_base_url", f"expected an http(s) URL, got {base_url!r}")
        return cls(
            realm=raw.str("pypi.realm", "pypi"),
            default_read=frozenset(raw.list("pypi.default_read", ["authenticated"])),
            default_write=frozenset(raw.list("pypi.default_write", [])),
            cache_update=frozenset(raw.list("pypi.cache_update", ["authenticated"])),
            allow_overwrite_groups=frozenset(overwrite),
            allow_delete_groups=frozenset(delete),
            calculate_package_hashes=raw.bool("pypi.calculate_package_hashes", True),
            fallback=raw.choice("pypi.fallback", ("redirect", "cache", "none"), "redirect"),
            fallback_base_url=base_url,
            always_show_upstream=raw.bool("pypi.always_show_upstream", False),
            disallow_fallback=frozenset(normalize_name(n) for n in raw.list("pypi.disallow_fallback")),
            use_json_scraper=raw.bool("pypi.use_json_scraper", base_url == "https://pypi.org"),
            stream_files=raw.bool("pypi.stream_files", False),
            package_max_age=raw.int("pypi.package_max_age", 0, minimum=0),
            max_upload_bytes=raw.size("pypi.max_upload_size", 1 << 30),
            credential_cache_seconds=raw.int("pypi.credential_cache_seconds", 60, minimum=0),
            page_cache_entries=raw.int("pypi.page_cache_entries", 10_000, minimum=0),
        )


@dataclass(frozen=True)
class Settings:
    """Everything a service needs to start: the raw keys (for the backends, which parse
    their own at start-up) and the parsed ``pypi.*`` values."""

    raw: RawSettings
    index: IndexSettings

    @classmethod
    def from_raw(cls, raw: RawSettings) -> "Settings":
        return cls(raw=raw, index=IndexSettings.from_raw(raw))

    @classmethod
    def from_file(cls, path: str | os.PathLike, env: Mapping[str, str] | None = None) -> "Settings":
        return cls.from_raw(read_config_file(path, env))

    @classmethod
    def from_dict(cls, values: Mapping[str, str], here: str | None = None,
                  env: Mapping[str, str] | None = None) -> "Settings":
        return cls.from_raw(RawSettings(values, env=env if env is not None else {}, here=here))
