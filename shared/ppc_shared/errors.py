"""Domain errors as values. The API layer maps each to one status code in one place."""


class PPCError(Exception):
    """Base of every error a request can be answered with."""

    status = 500
    key = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(PPCError):
    status = 400
    key = "bad_request"


class Unauthorized(PPCError):
    """The caller must log in (answered with a Basic challenge)."""

    status = 401
    key = "unauthorized"


class Forbidden(PPCError):
    status = 403
    key = "forbidden"


class NotFound(PPCError):
    status = 404
    key = "not_found"


class Conflict(PPCError):
    status = 409
    key = "conflict"


class PayloadTooLarge(PPCError):
    status = 413
    key = "too_large"


class ServiceUnavailable(PPCError):
    status = 503
    key = "unavailable"


class SettingsError(Exception):
    """A setting is missing or has a bad value; raised at start-up, names the key."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"setting {key}: {problem}")
        self.key = key
        self.problem = problem
