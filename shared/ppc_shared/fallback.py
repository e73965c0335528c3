"""What to answer for a project page, by 1.x's fallback tables (cell by cell), with one
deliberate change: a package in ``pypi.disallow_fallback`` never reaches upstream."""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    UNAUTHORIZED = "401"
    NOT_FOUND = "404"
    REDIRECT = "redirect"
    LIST = "list"  # the stored files
    LIST_WITH_REDIRECT_LINKS = "stored + redirect links"
    LIST_WITH_CACHE_LINKS = "stored + cache links"
    UPSTREAM_CACHE_LINKS = "upstream -> cache links"


def project_page_outcome(*, stored: bool, can_read: bool, can_update_cache: bool, logged_in: bool,
                         fallback: str, always_show_upstream: bool, disallowed: bool) -> Outcome:
    if disallowed:
        # Dependency confusion: a private name is never looked up upstream, for anyone.
        if stored and can_read:
            return Outcome.LIST
        return Outcome.NOT_FOUND if logged_in else Outcome.UNAUTHORIZED
    cache = fallback == "cache"
    if stored:
        if not can_read:
            if not logged_in:
                return Outcome.UNAUTHORIZED
            if fallback == "redirect" or (cache and always_show_upstream):
                return Outcome.REDIRECT
            return Outcome.NOT_FOUND
        if not always_show_upstream or fallback == "none":
            return Outcome.LIST
        if fallback == "redirect":
            return Outcome.LIST_WITH_REDIRECT_LINKS
        if can_update_cache:
            return Outcome.LIST_WITH_CACHE_LINKS
        return Outcome.LIST_WITH_REDIRECT_LINKS if logged_in else Outcome.UNAUTHORIZED
    if fallback == "redirect":
        return Outcome.REDIRECT
    if fallback == "none":
        return Outcome.NOT_FOUND if (logged_in or can_read) else Outcome.UNAUTHORIZED
    # cache
    if can_read and can_update_cache:
        return Outcome.UPSTREAM_CACHE_LINKS
    if not logged_in:
        return Outcome.UNAUTHORIZED
    return Outcome.REDIRECT if always_show_upstream else Outcome.NOT_FOUND
