"""auth-api: users, groups and package permissions as a service.

It serves PyPICloud 1.x's remote-access protocol under ``/remote/`` (for index-api and
for any 1.x server with ``pypi.auth = remote``), the admin REST API under ``/admin/``,
registration and password change under ``/api/user/``, and web login with a signed
session cookie at ``/login`` and ``/logout`` (1.x's ``/acct/...`` paths too).
"""

from .app import create_app

__all__ = ["create_app"]
