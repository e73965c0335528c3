"""Upstream failures as values the API layer maps to status codes (502 and 504)."""

from ..errors import PPCError


class UpstreamUnavailable(PPCError):
    """The upstream index cannot be reached, or answered with an error."""

    status = 502
    key = "bad_gateway"


class UpstreamTimeout(PPCError):
    status = 504
    key = "gateway_timeout"


class DigestMismatch(PPCError):
    """The upstream sent bytes that do not match the digest it published."""

    status = 502
    key = "digest_mismatch"
