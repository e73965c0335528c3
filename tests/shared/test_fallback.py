"""1.x's fallback tables, cell by cell (behaviour.md), plus disallow_fallback done right."""

import pytest

from ppc_shared.fallback import Outcome, project_page_outcome

O = Outcome
COLUMNS = [("none", False), ("redirect", False), ("redirect", True), ("cache", False), ("cache", True)]
# stored, read, cache_update, logged in → none, redirect, redirect+always, cache, cache+always
TABLE = [
    (False, False, False, False, [O.UNAUTHORIZED, O.REDIRECT, O.REDIRECT, O.UNAUTHORIZED, O.UNAUTHORIZED]),
    (False, False, False, True, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.NOT_FOUND, O.REDIRECT]),
    (False, True, False, False, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.UNAUTHORIZED, O.UNAUTHORIZED]),
    (False, True, False, True, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.NOT_FOUND, O.REDIRECT]),
    (False, True, True, False, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.UPSTREAM_CACHE_LINKS, O.UPSTREAM_CACHE_LINKS]),
    (False, True, True, True, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.UPSTREAM_CACHE_LINKS, O.UPSTREAM_CACHE_LINKS]),
    (True, False, False, False, [O.UNAUTHORIZED] * 5),
    (True, False, False, True, [O.NOT_FOUND, O.REDIRECT, O.REDIRECT, O.NOT_FOUND, O.REDIRECT]),
    (True, True, False, False, [O.LIST, O.LIST, O.LIST_WITH_REDIRECT_LINKS, O.LIST, O.UNAUTHORIZED]),
    (True, True, False, True, [O.LIST, O.LIST, O.LIST_WITH_REDIRECT_LINKS, O.LIST, O.LIST_WITH_REDIRECT_LINKS]),
    (True, True, True, False, [O.LIST, O.LIST, O.LIST_WITH_REDIRECT_LINKS, O.LIST, O.LIST_WITH_CACHE_LINKS]),
    (True, True, True, True, [O.LIST, O.LIST, O.LIST_WITH_REDIRECT_LINKS, O.LIST, O.LIST_WITH_CACHE_LINKS]),
]
CELLS = [
    (stored, read, update, logged, fallback, always, expected[i])
    for stored, read, update, logged, expected in TABLE
    for i, (fallback, always) in enumerate(COLUMNS)
]


@pytest.mark.parametrize("stored, read, update, logged, fallback, always, expected", CELLS)
def test_fallback_table_cell(stored, read, update, logged, fallback, always, expected):
    assert project_page_outcome(stored=stored, can_read=read, can_update_cache=update, logged_in=logged,
                                fallback=fallback, always_show_upstream=always, disallowed=False) is expected


@pytest.mark.parametrize("stored, read, update, logged, fallback, always, _", CELLS)
def test_disallowed_package_never_reaches_upstream(stored, read, update, logged, fallback, always, _):
    outcome = project_page_outcome(stored=stored, can_read=read, can_update_cache=update, logged_in=logged,
                                   fallback=fallback, always_show_upstream=always, disallowed=True)
    assert outcome in (O.LIST, O.NOT_FOUND, O.UNAUTHORIZED)
    if stored and read:
        assert outcome is O.LIST
