"""index-api: the read-optimised face of the index for pip, uv, poetry and twine."""

from .app import create_app

__all__ = ["create_app"]
