"""The SQL cache (SQLAlchemy 2 Core) on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url

from ppc_shared.cache import create_cache
from ppc_shared.cache.sql import SQLCache, create_sql_engine
from ppc_shared.errors import SettingsError
from ppc_shared.models import PackageFile, ProjectSummary

from .conftest import cache_settings

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)


def pkg(name: str = "demo", version: str = "1.0", filename: str | None = None, *,
        when: datetime = T0, summary: str = "", **metadata) -> PackageFile:
    return PackageFile(
        name=name,
        version=version,
        filename=filename or f"{name.replace('-', '_')}-{version}.tar.gz",
        last_modified=when,
        summary=summary,
        metadata=metadata,
    )


def by_filename(files):
    return sorted(files, key=lambda p: p.filename)


# -- reads and writes ---------------------------------------------------------------------
def test_save_then_fetch_returns_an_equal_package(sql_cache):
    package = pkg(summary="A demo", requires_python=">=3.8", uploader="dsa", hash_sha256="ab" * 32,
                  hash_md5="cd" * 16, size=1234)
    sql_cache.save(package)
    assert sql_cache.fetch(package.filename) == package
    assert sql_cache.fetch("nope-1.0.tar.gz") is None


def test_files_returns_only_that_projects_files(sql_cache):
    a1, a2 = pkg("alpha", "1.0"), pkg("alpha", "2.0")
    b1 = pkg("beta", "1.0")
    sql_cache.save_many([a1, a2, b1])
    assert by_filename(sql_cache.files("alpha")) == [a1, a2]
    assert sql_cache.files("beta") == [b1]
    assert sql_cache.files("gamma") == []


def test_project_names_and_all_files(sql_cache):
    files = [pkg("alpha", "1.0"), pkg("alpha", "2.0"), pkg("beta", "1.0"), pkg("gamma-delta", "0.1")]
    assert sql_cache.save_many(files) == 4
    assert sorted(sql_cache.project_names()) == ["alpha", "beta", "gamma-delta"]
    assert by_filename(sql_cache.all_files()) == by_filename(files)


def test_summaries_give_the_latest_summary_per_project(sql_cache):
    sql_cache.save_many([
        pkg("alpha", "1.0", when=T0, summary="old alpha"),
        pkg("alpha", "3.0", when=T0 + timedelta(days=2), summary="newest alpha"),
        pkg("alpha", "2.0", when=T0 + timedelta(days=1), summary="middle alpha"),
        # The latest file by upload time wins, not the highest version.
        pkg("beta", "9.0", when=T0, summary="beta nine"),
        pkg("beta", "1.0", when=T0 + timedelta(microseconds=1), summary="beta one, uploaded later"),
        pkg("gamma", "1.0", when=T0 - timedelta(days=30), summary=""),
    ])
    assert sql_cache.summaries() == [
        ProjectSummary("alpha", "newest alpha", T0 + timedelta(days=2)),
        ProjectSummary("beta", "beta one, uploaded later", T0 + timedelta(microseconds=1)),
        ProjectSummary("gamma", "", T0 - timedelta(days=30)),
    ]


def test_remove_and_remove_many(sql_cache):
    files = [pkg("alpha", f"1.{i}") for i in range(5)]
    sql_cache.save_many(files)
    sql_cache.remove(files[0])
    assert sql_cache.fetch(files[0].filename) is None
    sql_cache.remove(files[0])  # removing a missing row is not an error
    sql_cache.remove_many([files[1].filename, files[2].filename, "never-stored-1.0.tar.gz"])
    assert by_filename(sql_cache.all_files()) == files[3:]
    sql_cache.remove_many([])
    assert len(sql_cache.all_files()) == 2


def test_save_many_and_remove_many_past_one_batch(sql_cache):
    files = [pkg(f"p{i % 7}", f"1.{i}") for i in range(2_345)]
    assert sql_cache.save_many(files) == 2_345
    assert len(sql_cache.all_files()) == 2_345
    sql_cache.remove_many(p.filename for p in files[:2_300])
    assert by_filename(sql_cache.all_files()) == by_filename(files[2_300:])


def test_clear_all_and_is_empty(sql_cache):
    assert sql_cache.is_empty()
    assert sql_cache.project_names() == [] and sql_cache.summaries() == []
    sql_cache.save(pkg())
    assert not sql_cache.is_empty()
    sql_cache.clear_all()
    assert sql_cache.is_empty()
    assert sql_cache.all_files() == []


def test_saving_an_existing_filename_replaces_the_row(sql_cache):
    first = pkg(summary="first", uploader="dsa", hash_sha256="11" * 32)
    sql_cache.save(first)
    second = pkg(when=T0 + timedelta(hours=1), summary="second", uploader="stevearc", yanked=True,
                 yanked_reason="broken")
    sql_cache.save(second)
    assert sql_cache.fetch(first.filename) == second
    assert sql_cache.all_files() == [second]
    # save_many replaces too, also when the batch mixes new and existing rows.
    third = pkg(summary="third")
    other = pkg("other", "1.0")
    assert sql_cache.save_many([third, other]) == 2
    assert by_filename(sql_cache.all_files()) == by_filename([third, other])


def test_save_many_with_one_filename_twice_keeps_the_last(sql_cache):
    """Saving a batch is saving its rows in order. A 1.x storage directory can hold one
    filename twice (1.x never checked a filename against the form's version or name):
    a rebuild must not fail on it (the server would not start with an empty cache)."""
    first = pkg(summary="first")
    last = pkg(when=T0 + timedelta(seconds=1), summary="last")
    sql_cache.save(pkg(summary="already there"))
    sql_cache.save_many([first, pkg("other", "1.0"), last])
    assert sql_cache.fetch(first.filename) == last
    assert len(sql_cache.all_files()) == 2


def test_filenames_differing_only_in_case_are_different_rows(sql_cache):
    """Filenames are case-sensitive in storage, so in the cache too (MySQL's default
    collations would compare them case-insensitively)."""
    lower = pkg("demo", "1.0", filename="demo-1.0.tar.gz", summary="lower")
    upper = pkg("demo", "1.0", filename="Demo-1.0.tar.gz", summary="upper")
    sql_cache.save(lower)
    sql_cache.save(upper)
    assert sql_cache.fetch("demo-1.0.tar.gz") == lower
    assert sql_cache.fetch("Demo-1.0.tar.gz") == upper
    assert sql_cache.fetch("DEMO-1.0.tar.gz") is None
    sql_cache.save_many([lower, upper])
    assert by_filename(sql_cache.all_files()) == by_filename([lower, upper])
    sql_cache.remove(upper)
    assert sql_cache.all_files() == [lower]


# -- values survive the round trip ----------------------------------------------------------
UNICODE_SUMMARIES = [
    "Packages 📦 for snakes 🐍🐍 — with emoji",
    "中文摘要：一个私有的包索引",
    "日本語のパッケージ説明と한국어 설명",
    "CJK extension B 𠀋𠂢 and a flag 🇳🇱 and ZWJ 👩‍💻",
    "Ünïcödé ñ ß ø å — “quotes” ‘single’ … ½ ∑ ∞",
]


def test_unicode_summaries_and_metadata_survive(sql_cache):
    files = [pkg("uni", f"1.{i}", when=T0 + timedelta(seconds=i), summary=summary,
                 uploader="José 🚀 山田") for i, summary in enumerate(UNICODE_SUMMARIES)]
    sql_cache.save_many(files)
    for package in files:
        stored = sql_cache.fetch(package.filename)
        assert stored.summary == package.summary
        assert stored.metadata["uploader"] == "José 🚀 山田"
        assert stored == package
    assert sql_cache.summaries() == [ProjectSummary("uni", UNICODE_SUMMARIES[-1], T0 + timedelta(seconds=4))]


@pytest.mark.parametrize("moment", [
    datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC),
    datetime(2024, 3, 1, 12, 30, 45, 1, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1999, 1, 1, 0, 0, 0, 0, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, 654321, tzinfo=UTC),  # past the 32-bit epoch limit
    # Another zone goes in; the same instant comes back in UTC.
    datetime(2024, 7, 1, 8, 0, 0, 500000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2024, 7, 1, 8, 0, 0, 42, tzinfo=timezone(timedelta(hours=-8))),
])
def test_tz_aware_utc_datetimes_round_trip_with_microseconds(sql_cache, moment):
    package = pkg(when=moment)
    sql_cache.save(package)
    stored = sql_cache.fetch(package.filename).last_modified
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert stored.microsecond == moment.astimezone(UTC).microsecond
    assert stored.replace(tzinfo=None) == moment.astimezone(UTC).replace(tzinfo=None)
    (summary,) = sql_cache.summaries()
    assert summary.last_modified == moment and summary.last_modified.utcoffset() == timedelta(0)


def test_naive_datetimes_are_taken_as_utc(sql_cache):
    package = pkg(when=datetime(2024, 3, 1, 12, 0, 0, 7))
    sql_cache.save(package)
    assert sql_cache.fetch(package.filename).last_modified == datetime(2024, 3, 1, 12, 0, 0, 7, tzinfo=UTC)


def test_metadata_dict_round_trips(sql_cache):
    metadata = {
        "hash_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "hash_md5": "d41d8cd98f00b204e9800998ecf8427e",
        "hash_blake2b_256": "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
        "core_metadata_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "size": 5_000_000_123,  # past 32 bits
        "yanked": True,
        "yanked_reason": "security: CVE-2024-0001 ✗",
        "requires_python": ">=3.8,<4",
        "uploader": "dsa",
    }
    package = pkg(summary="meta", **metadata)
    sql_cache.save(package)
    stored = sql_cache.fetch(package.filename)
    assert stored.metadata == metadata
    assert stored.yanked is True and stored.yanked_reason == "security: CVE-2024-0001 ✗"
    assert stored.size == 5_000_000_123
    assert stored.core_metadata_sha256 == metadata["core_metadata_sha256"]
    assert stored.hashes() == {"sha256": metadata["hash_sha256"], "md5": metadata["hash_md5"],
                               "blake2b_256": metadata["hash_blake2b_256"]}


def test_long_fields_fit_the_1x_schema(sql_cache):
    # filename up to 255 characters, version up to 1000, summary longer than 255.
    filename = "a" * 240 + "-1.0.tar.gz"
    package = pkg("a" * 240, "1.0", filename=filename, summary="s" * 5000)
    version_package = pkg("b", "1." + "0" * 990, filename="b-long.tar.gz")
    sql_cache.save_many([package, version_package])
    assert sql_cache.fetch(filename) == package
    assert sql_cache.fetch("b-long.tar.gz") == version_package


def test_rows_are_shared_between_cache_instances(cache_url, sql_cache, make_sql_cache):
    sql_cache.save(pkg())
    other = make_sql_cache(cache_url)  # a second process's view of the same database
    assert other.fetch(pkg().filename) == pkg()
    other.remove(pkg())
    assert sql_cache.is_empty()


def test_concurrent_saves_from_threads(sql_cache):
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                sql_cache.save(pkg(f"t{n}", f"1.{i}"))
                sql_cache.fetch(f"t{n}-1.{i}.tar.gz")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(sql_cache.all_files()) == 160


# -- settings -------------------------------------------------------------------------------
def test_created_through_the_backend_registry(cache_url):
    cache = create_cache(cache_settings(cache_url, pypi__db="sql", db__graceful_reload="true"))
    try:
        assert isinstance(cache, SQLCache)
        assert cache.graceful_reload is True
    finally:
        cache.close()


def test_1x_style_mysql_url_without_driver_works(mysql_url, make_sql_cache):
    url = make_url(mysql_url)
    legacy = url.set(drivername="mysql", query={}).render_as_string(hide_password=False)
    assert legacy.startswith("mysql://")
    cache = make_sql_cache(legacy)
    assert cache.engine.dialect.driver == "pymysql"
    cache.clear_all()
    package = pkg(summary="legacy URL 📦 中文", uploader="José")
    cache.save(package)
    assert cache.fetch(package.filename) == package
    cache.clear_all()


def test_unicode_survives_in_a_latin1_mysql_database(mysql_latin1_url, make_sql_cache):
    """Upstream MySQL and MariaDB create latin1 databases by default; the cache table
    must still keep emoji and CJK (1.x's MySQL caches live in such databases)."""
    legacy = make_url(mysql_latin1_url).set(drivername="mysql", query={}).render_as_string(hide_password=False)
    for url in (mysql_latin1_url, legacy):
        cache = make_sql_cache(url)
        cache.clear_all()
        files = [pkg("uni", f"1.{i}", when=T0 + timedelta(seconds=i), summary=s, uploader="山田 🚀")
                 for i, s in enumerate(UNICODE_SUMMARIES)]
        cache.save_many(files)
        assert by_filename(cache.all_files()) == by_filename(files)
        cache.clear_all()


@pytest.mark.parametrize("bad_url", [
    "not a url at all",
    "nosuchdialect://user@host/db",
    "postgresql+nosuchdriver://postgres@127.0.0.1/test",
    "sqlite:////nonexistent-dir-for-ppc-tests/sub/cache.sqlite",
    "",
])
def test_a_bad_db_url_raises_settings_error_naming_db_url(bad_url):
    with pytest.raises(SettingsError) as caught:
        SQLCache.from_settings(cache_settings(bad_url))
    assert caught.value.key == "db.url"
    assert "db.url" in str(caught.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_database_at_start_raises_settings_error_naming_db_url():
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{_closed_port()}/test"
    started = time.monotonic()
    with pytest.raises(SettingsError) as caught:
        SQLCache.from_settings(cache_settings(url))
    assert caught.value.key == "db.url"
    assert "\n" not in str(caught.value)
    assert time.monotonic() - started < 10


def test_poolclass_nullpool_works(cache_url, make_sql_cache):
    cache = make_sql_cache(cache_url, db__poolclass="sqlalchemy.pool.NullPool")
    assert isinstance(cache.engine.pool, pool.NullPool)
    cache.clear_all()
    for i in range(3):
        cache.save(pkg(version=f"1.{i}"))
    assert len(cache.all_files()) == 3
    assert cache.check_health() == (True, "")
    cache.clear_all()


@pytest.mark.parametrize("bad", ["sqlalchemy.pool.NoSuchPool", "no_such_module.Pool", "NullPool"])
def test_a_bad_poolclass_raises_settings_error_naming_it(tmp_path, bad):
    with pytest.raises(SettingsError) as caught:
        SQLCache.from_settings(cache_settings(f"sqlite:///{tmp_path / 'c.sqlite'}", db__poolclass=bad))
    assert caught.value.key == "db.poolclass"


def test_in_memory_sqlite_keeps_its_rows_across_connections():
    cache = SQLCache(create_sql_engine("sqlite://", "db.url"))
    try:
        cache.save(pkg())
        assert cache.fetch(pkg().filename) == pkg()
    finally:
        cache.close()


# -- health ---------------------------------------------------------------------------------
def test_check_health_is_true_when_reachable(sql_cache):
    assert sql_cache.check_health() == (True, "")


class TcpProxy:
    """Forwards a local port to a server, and can be cut: the database 'goes away'."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone leaves the
        # listening socket alive in the kernel until accept() returns.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self.thread.join(timeout=5)


def test_check_health_is_false_without_raising_when_postgres_goes_away(postgres_url, make_sql_cache):
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host, url.port or 5432))
    try:
        cache = make_sql_cache(url.set(port=proxy.port).render_as_string(hide_password=False))
        assert cache.check_health() == (True, "")
        cache.save(pkg("health"))
    finally:
        proxy.cut()
    started = time.monotonic()
    healthy, reason = cache.check_health()
    assert healthy is False
    assert "unreachable" in reason
    assert time.monotonic() - started < 10
    # And again, from a fresh pool: still an answer, not an exception.
    cache.engine.dispose()
    assert cache.check_health()[0] is False


def test_check_health_is_false_for_an_unreachable_postgres_port(postgres_url, make_sql_cache):
    """A cache whose engine points at a port nobody listens on answers False, fast."""
    cache = make_sql_cache(postgres_url)
    cache.close()
    cache.engine = create_sql_engine(
        make_url(postgres_url).set(port=_closed_port()).render_as_string(hide_password=False), "db.url")
    started = time.monotonic()
    healthy, reason = cache.check_health()
    assert (healthy, reason) == (False, "cache database unreachable: OperationalError")
    assert time.monotonic() - started < 10
