"""Permission decisions and the caches that keep them off the hot path."""

import pytest

from ppc_shared.access.base import READ, WRITE
from ppc_shared.access.policy import ANONYMOUS, AccessPolicy
from ppc_shared.wiring import load_backends


class CountingBackend:
    """Wraps an access backend and counts the expensive calls."""

    def __init__(self, inner):
        self.inner = inner
        self.verify_calls = 0
        self.acl_calls = 0

    def verify_user(self, username, password):
        self.verify_calls += 1
        return self.inner.verify_user(username, password)

    def package_acls(self):
        self.acl_calls += 1
        return self.inner.package_acls()

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def counted(settings):
    backends = load_backends(settings)
    backend = CountingBackend(backends.access)
    yield backend, AccessPolicy(backend, settings.index)
    backends.close()


def test_verified_password_is_not_hashed_again(counted):
    backend, policy = counted
    for _ in range(50):
        assert policy.authenticate("dsa", "paranoia").username == "dsa"
    assert backend.verify_calls == 1


def test_wrong_password_never_hits_the_cache(counted):
    backend, policy = counted
    assert policy.authenticate("dsa", "paranoia") is not None
    for _ in range(3):
        assert policy.authenticate("dsa", "paranoia!") is None
        assert policy.authenticate("dsa", "") is None
    assert backend.verify_calls == 7


def test_invalidate_forgets_verified_credentials(counted):
    backend, policy = counted
    policy.authenticate("dsa", "paranoia")
    policy.invalidate()
    policy.authenticate("dsa", "paranoia")
    assert backend.verify_calls == 2


def test_zero_seconds_disables_the_credential_cache(make_settings):
    settings = make_settings(**{"pypi.credential_cache_seconds": "0"})
    backends = load_backends(settings)
    backend = CountingBackend(backends.access)
    policy = AccessPolicy(backend, settings.index)
    policy.authenticate("dsa", "paranoia")
    policy.authenticate("dsa", "paranoia")
    assert backend.verify_calls == 2
    backends.close()


def test_listing_filters_many_names_with_one_acl_snapshot(counted):
    backend, policy = counted
    identity = policy.authenticate("donlan", "osptony")
    names = [f"project-{i}" for i in range(10_000)] + ["django-unchained", "pyramid-head", "polite-requests"]
    backend.acl_calls = 0
    readable = policy.filter_readable(identity, names)
    assert backend.acl_calls == 1
    assert "django-unchained" not in readable
    assert "pyramid-head" in readable and "polite-requests" in readable
    assert len(readable) == 10_002


def test_identity_principals(counted):
    _backend, policy = counted
    dsa = policy.authenticate("dsa", "paranoia")
    assert dsa.groups == {"everyone", "authenticated", "sharkfest", "brotatos"}
    assert not dsa.is_admin
    assert policy.authenticate("admin", "admin-secret").is_admin
    assert ANONYMOUS.groups == {"everyone"}


def test_admin_may_do_everything_but_group_gates_still_apply(counted, make_settings):
    _backend, policy = counted
    admin = policy.authenticate("admin", "admin-secret")
    assert policy.has_permission(admin, "django-unchained", WRITE)
    assert policy.in_groups(admin, policy.settings.allow_delete_groups)  # authenticated
    assert not policy.in_groups(admin, policy.settings.allow_overwrite_groups)  # none


def test_default_write_applies_only_without_entries(make_settings):
    settings = make_settings(**{"pypi.default_write": "authenticated", "pypi.default_read": "everyone"})
    backends = load_backends(settings)
    policy = backends.policy
    stevearc = policy.authenticate("stevearc", "gunface")
    assert policy.has_permission(stevearc, "unlisted", WRITE)
    assert policy.has_permission(ANONYMOUS, "unlisted", READ)
    assert not policy.has_permission(stevearc, "pyramid-head", WRITE)
    assert not policy.has_permission(ANONYMOUS, "django-unchained", READ)
    backends.close()
