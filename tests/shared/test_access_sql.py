"""The SQL access backend on SQLite, PostgreSQL and MariaDB: users, groups, permissions,
registration, normalised package names, the cached snapshot, dump and load."""

import pytest

from ppc_shared.access import create_access
from ppc_shared.access.config import ConfigAccessBackend
from ppc_shared.access.sql import SQLAccessBackend, metadata
from ppc_shared.changes import ACL, ChangeFeed
from ppc_shared.errors import BadRequest, Conflict, Forbidden, NotFound, SettingsError
from ppc_shared.settings import RawSettings
from tests.conftest import DOCS_USERS, docs_acl_settings


@pytest.fixture
def access(cache_url):
    raw = RawSettings({"pypi.auth": "sql", "auth.db.url": cache_url, "auth.scheme": "sha256_crypt",
                       "auth.rounds": "1000"}, env={})
    backend = create_access(raw)
    assert isinstance(backend, SQLAccessBackend)
    metadata.drop_all(backend.engine)  # the server databases are shared by the session
    metadata.create_all(backend.engine)
    backend.use_change_feed(ChangeFeed())
    yield backend
    metadata.drop_all(backend.engine)
    backend.close()


def test_users_passwords_and_admin(access):
    assert access.need_admin()
    access.create_user("alice", "pw-a")
    access.create_user("bob", "pw-b", admin=True)
    assert not access.need_admin()
    with pytest.raises(Conflict):
        access.create_user("alice", "again")
    assert access.verify_user("alice", "pw-a") and not access.verify_user("alice", "pw-b")
    assert not access.verify_user("ghost", "pw")
    assert access.password_hash("alice").startswith("$5$rounds=1000$")
    assert access.user_data() == [{"username": "alice", "admin": False}, {"username": "bob", "admin": True}]
    access.set_admin("alice", True)
    assert access.is_admin("alice")
    access.set_password("alice", "new")
    assert access.verify_user("alice", "new") and not access.verify_user("alice", "pw-a")
    access.delete_user("alice")
    assert access.user_data("alice") is None
    with pytest.raises(NotFound):
        access.delete_user("alice")
    for bad in ("", "p" * 5000):
        with pytest.raises(BadRequest):
            access.create_user("carol", bad)


def test_unicode_names(access):
    access.create_user("jörg😀", "pässwörd")
    assert access.verify_user("jörg😀", "pässwörd")
    access.create_group("grüppe")
    access.edit_user_group("jörg😀", "grüppe", True)
    assert access.groups("jörg😀") == ["grüppe"]


def test_registration_pending_and_first_admin(access):
    assert access.register("first", "pw") is True
    assert access.is_admin("first")
    with pytest.raises(Forbidden):
        access.register("second", "pw")
    access.set_allow_register(True)
    assert access.allow_register()
    assert access.register("second", "pw") is False
    assert access.pending_users() == ["second"]
    assert not access.verify_user("second", "pw")
    assert access.user_data("second") is None
    access.approve_user("second")
    assert access.verify_user("second", "pw") and access.pending_users() == []
    with pytest.raises(NotFound):
        access.approve_user("second")
    access.set_allow_register(False)
    assert not access.allow_register()


def test_groups_and_permissions_normalised(access):
    access.create_user("u", "pw")
    access.create_group("g")
    access.edit_user_group("u", "g", True)
    with pytest.raises(Conflict):
        access.edit_user_group("u", "g", True)
    assert access.group_members("g") == ["u"]
    access.edit_user_permission("Django_Unchained", "u", "read", True)
    access.edit_user_permission("django.unchained", "u", "write", True)
    access.edit_group_permission("DJANGO-UNCHAINED", "g", "read", True)
    access.edit_group_permission("pyramid_head", "everyone", "read", True)
    acls = access.package_acls()
    assert set(acls) == {"django-unchained", "pyramid-head"}
    assert acls["django-unchained"].users == {"u": {"read", "write"}}
    assert acls["django-unchained"].groups == {"g": {"read"}}
    assert access.user_permissions("Django_Unchained") == {"u": ["read", "write"]}
    assert access.group_package_permissions("everyone") == [{"package": "pyramid-head", "permissions": ["read"]}]
    access.edit_user_permission("django_unchained", "u", "read", False)
    access.edit_user_permission("django_unchained", "u", "write", False)
    assert access.package_acls()["django-unchained"].users == {}
    access.delete_group("g")
    assert "django-unchained" not in access.package_acls()
    assert access.groups("u") == []
    with pytest.raises(BadRequest):
        access.edit_user_permission("pkg", "u", "admin", True)
    with pytest.raises(BadRequest):
        access.create_group("everyone")


def test_snapshot_is_cached_until_the_acl_generation_moves(access):
    access.create_user("u", "pw")
    access.edit_user_permission("p", "u", "read", True)
    generation = access.changes.generation(ACL)
    first = access.package_acls()
    assert access.package_acls() is first  # no SQL on the hot path
    access.edit_user_permission("p", "u", "write", True)
    assert access.changes.generation(ACL) != generation
    assert access.package_acls()["p"].users == {"u": {"read", "write"}}


def test_load_config_dump_is_idempotent_and_equivalent(access):
    config = ConfigAccessBackend.from_settings(RawSettings({**docs_acl_settings(), "auth.admins": "stevearc"}, env={}))
    dump = config.dump()
    access.load(dump)
    first = access.dump()
    access.load(dump)
    assert access.dump() == first
    for user, password in DOCS_USERS.items():
        assert access.verify_user(user, password)
    assert access.is_admin("stevearc") and not access.is_admin("dsa")
    assert access.package_acls() == config.package_acls()
    assert {g: access.group_members(g) for g in access.groups()} == {g: sorted(config.group_members(g)) for g in config.groups()}
    with pytest.raises(BadRequest):
        access.load({"users": [{"no_username": 1}]})
    with pytest.raises(BadRequest):
        access.load([1, 2])


def test_bad_url_names_the_key():
    with pytest.raises(SettingsError, match="auth.db.url"):
        create_access(RawSettings({"pypi.auth": "sql", "auth.db.url": "not a url"}, env={}))
    with pytest.raises(SettingsError, match="auth.db.url"):
        create_access(RawSettings({"pypi.auth": "sql"}, env={}))


def test_1x_dotted_path_selects_it(tmp_path):
    raw = RawSettings({"pypi.auth": "pypicloud.access.sql.SQLAccessBackend",
                       "auth.db.url": f"sqlite:///{tmp_path / 'a.db'}"}, env={})
    backend = create_access(raw)
    assert isinstance(backend, SQLAccessBackend)
    backend.close()


def test_load_skips_members_and_holders_that_are_not_users(access):
    access.load({"allow_register": True, "version": "1.3.12",
                 "users": [{"username": "real", "admin": False, "password": "$5$rounds=1000$x$y"}],
                 "pending_users": [{"username": "waiting", "password": None}],
                 "groups": {"team": ["real", "ghost"]},
                 "packages": {"users": {"Some_Pkg": {"ghost": ["read"], "real": ["read", "write"]}},
                              "groups": {"some.pkg": {"team": ["read"], "everyone": ["read"]}}}})
    assert access.allow_register() and access.pending_users() == ["waiting"]
    assert access.group_members("team") == ["real"]
    acl = access.package_acls()["some-pkg"]
    assert acl.users == {"real": {"read", "write"}}
    assert acl.groups == {"team": {"read"}, "everyone": {"read"}}
    assert not access.verify_user("waiting", "")
