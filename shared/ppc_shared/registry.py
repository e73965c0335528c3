"""Backends are chosen by short name or by dotted path to a subclass (1.x's rule)."""

from __future__ import annotations

import importlib
from typing import Mapping, TypeVar

from .errors import SettingsError

T = TypeVar("T")


def resolve_backend(key: str, value: str, short_names: Mapping[str, str], base: type[T]) -> type[T]:
    """Map ``value`` (a short name, a 1.x class path or a dotted path) to a class."""
    dotted = short_names.get(value.lower(), value)
    module_name, _, attr = dotted.rpartition(".")
    if not module_name:
        raise SettingsError(
            key, f"unknown backend {value!r}; expected one of {', '.join(sorted(short_names))} "
            "or a dotted path to a class"
        )
    try:
        module = importlib.import_module(module_name)
        backend = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise SettingsError(key, f"cannot load backend {value!r}: {exc}") from None
    if not (isinstance(backend, type) and issubclass(backend, base)):
        raise SettingsError(key, f"{value!r} is not a {base.__name__}")
    return backend
