import pytest

from ppc_shared.errors import BadRequest
from ppc_shared.names import normalize_name, parse_filename, parse_version, validate_name


@pytest.mark.parametrize("name, expected", [
    ("Django_Unchained", "django-unchained"),
    ("a.b-c__d", "a-b-c-d"),
    ("PYRAMID---head", "pyramid-head"),
])
def test_normalize_name_follows_pep_503(name, expected):
    assert normalize_name(name) == expected


@pytest.mark.parametrize("filename, name, version, kind", [
    ("demo_pkg-1.0-py3-none-any.whl", "demo-pkg", "1.0", "bdist_wheel"),
    ("demo_pkg-1.0.tar.gz", "demo-pkg", "1.0", "sdist"),
    ("Demo.Pkg-2.0rc1.zip", "demo-pkg", "2.0rc1", "sdist"),
    ("demo-pkg-1.0.tar.bz2", "demo-pkg", "1.0", "sdist"),
    ("demo_pkg-1.0.tgz", "demo-pkg", "1.0", "sdist"),
    ("demo_pkg-1.0.tar.xz", "demo-pkg", "1.0", "sdist"),
    ("demo_pkg-1.0-py3.11.egg", "demo-pkg", "1.0", "bdist_egg"),
])
def test_parse_filename_reads_name_version_and_type(filename, name, version, kind):
    parsed = parse_filename(filename)
    assert (parsed.name, parsed.version, parsed.packagetype) == (name, version, kind)


@pytest.mark.parametrize("filename", [
    "", "../demo-1.0.tar.gz", "a/demo-1.0.tar.gz", "..\\demo-1.0.tar.gz", "%2e%2e%2fdemo-1.0.tar.gz",
    "demo-1.0.tar.gz\r\n", "demo-1.0.html", ".demo-1.0.tar.gz", "démo-1.0.tar.gz",
    "demo.tar.gz", "demo-notaversion.tar.gz", "x" * 300 + "-1.0.tar.gz", "demo-1.0-py3-none-any",
    "\u212aelvin-1.0.tar.gz", "demo-1.0-bad.whl",
])
def test_parse_filename_rejects_paths_and_non_distributions(filename):
    with pytest.raises(BadRequest):
        parse_filename(filename)


@pytest.mark.parametrize("name", ["", "-lead", "trail-", "a b", "x" * 1000, "\u212aelvin", "../x", "a/b"])
def test_validate_name_rejects_bad_names(name):
    with pytest.raises(BadRequest):
        validate_name(name)


@pytest.mark.parametrize("version", ["../../x", "1.0/2", "../good-alpha/9.9", "", "1..0x", "1.0\n"])
def test_parse_version_rejects_path_tricks(version):
    with pytest.raises(BadRequest):
        parse_version(version)
