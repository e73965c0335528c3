import pytest

from ppc_shared.errors import SettingsError
from ppc_shared.settings import Settings, read_config_file


def write_config(tmp_path, body: str):
    path = tmp_path / "config.ini"
    path.write_text("[app:main]\nuse = egg:pypicloud\n" + body)
    return path


def test_1x_config_reads_here_and_defaults(tmp_path):
    path = write_config(tmp_path, "storage.dir = %(here)s/packages\ndb.url = sqlite:///%(here)s/db.sqlite\n")
    settings = Settings.from_file(path, env={})
    assert settings.raw.path("storage.dir") == str(tmp_path / "packages")
    index = settings.index
    assert index.realm == "pypi"
    assert index.default_read == {"authenticated"}
    assert index.default_write == frozenset()
    assert index.cache_update == {"authenticated"}
    assert index.allow_overwrite_groups == frozenset()
    assert index.allow_delete_groups == {"authenticated"}
    assert index.fallback == "redirect"
    assert index.fallback_base_url == "https://pypi.org"
    assert index.use_json_scraper is True
    assert index.calculate_package_hashes is True
    assert index.package_max_age == 0


def test_environment_overrides_follow_the_ppc_rule(tmp_path):
    path = write_config(tmp_path, "pypi.fallback = redirect\nuser.alice = hash\n")
    settings = Settings.from_file(path, env={"PPC_PYPI_FALLBACK": "none", "PPC_USER_ALICE": "other",
                                              "PPC_PYPI_DEFAULT_READ": "everyone"})
    assert settings.index.fallback == "none"
    assert settings.index.default_read == {"everyone"}
    # user./group./package. keys are never taken from the environment (1.x documents this)
    assert settings.raw.keys_with_prefix("user.") == {"user.alice": "hash"}


def test_deprecated_keys_still_work(tmp_path):
    path = write_config(tmp_path, "pypi.allow_overwrite = true\npypi.allow_delete = false\n"
                                  "pypi.fallback_url = http://127.0.0.1:9/simple\n")
    index = Settings.from_file(path, env={}).index
    assert index.allow_overwrite_groups == {"authenticated"}
    assert index.allow_delete_groups == frozenset()
    assert index.fallback_base_url == "http://127.0.0.1:9"
    assert index.use_json_scraper is False


@pytest.mark.parametrize("body, key", [
    ("pypi.fallback = sometimes\n", "pypi.fallback"),
    ("pypi.package_max_age = soon\n", "pypi.package_max_age"),
    ("pypi.always_show_upstream = maybe\n", "pypi.always_show_upstream"),
    ("pypi.fallback_base_url = ftp://x\n", "pypi.fallback_base_url"),
    ("pypi.max_upload_size = lots\n", "pypi.max_upload_size"),
])
def test_bad_values_name_the_key(tmp_path, body, key):
    with pytest.raises(SettingsError) as caught:
        Settings.from_file(write_config(tmp_path, body), env={})
    assert caught.value.key == key
    assert key in str(caught.value)


def test_missing_section_and_file_are_clear(tmp_path):
    path = tmp_path / "bad.ini"
    path.write_text("[server:main]\nport = 1\n")
    with pytest.raises(SettingsError, match=r"app:main"):
        read_config_file(path, env={})
    with pytest.raises(SettingsError, match="no config file"):
        read_config_file(tmp_path / "absent.ini", env={})


def test_unknown_backend_names_the_key(make_settings):
    from ppc_shared.wiring import load_backends

    for key, value in (("pypi.storage", "floppy"), ("pypi.db", "nosuch.module.Cache"), ("pypi.auth", "ldapz")):
        with pytest.raises(SettingsError) as caught:
            load_backends(make_settings(**{key.replace(".", "__"): value}))
        assert caught.value.key == key


def test_bad_package_permission_names_the_key(make_settings):
    from ppc_shared.wiring import load_backends

    with pytest.raises(SettingsError) as caught:
        load_backends(make_settings(**{"package.foo.user.bob": "rwx"}))
    assert caught.value.key == "package.foo.user.bob"
