"""Change generations: in-process, per host (stamp file) and between hosts (Redis)."""

import secrets
import time

import pytest

from ppc_shared.changes import ACL, PACKAGES, ChangeFeed, RedisChangeFeed, StampFileChangeFeed

REDIS_URL = "redis://127.0.0.1:6379/0"


def wait_for(predicate, seconds=2.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "no change seen in time"
        time.sleep(0.01)


def test_local_feed_moves_each_topic_on_its_own():
    feed = ChangeFeed()
    packages, acl = feed.generation(PACKAGES), feed.generation(ACL)
    feed.notify(ACL)
    assert feed.generation(PACKAGES) == packages and feed.generation(ACL) != acl


def test_stamp_file_feed_is_shared_by_every_reader_of_the_file(tmp_path):
    writer, reader = StampFileChangeFeed(str(tmp_path / "feed")), StampFileChangeFeed(str(tmp_path / "feed"))
    seen = {topic: reader.generation(topic) for topic in (PACKAGES, ACL)}
    for _ in range(3):
        writer.notify(ACL)
        assert reader.generation(ACL) != seen[ACL]
        seen[ACL] = reader.generation(ACL)
    assert reader.generation(PACKAGES) == seen[PACKAGES]


@pytest.fixture
def redis_feeds():
    prefix = f"ppc-test:{secrets.token_hex(4)}:"  # channels of this test alone
    feeds = [RedisChangeFeed(REDIS_URL, prefix=prefix) for _ in range(2)]
    yield feeds
    for feed in feeds:
        feed.close()


def test_redis_feed_carries_changes_between_processes(redis_feeds):
    writer, reader = redis_feeds
    before = reader.generation(ACL), reader.generation(PACKAGES)
    writer.notify(ACL)
    wait_for(lambda: reader.generation(ACL) != before[0])
    assert reader.generation(PACKAGES) == before[1]
    again = reader.generation(ACL)
    writer.notify(ACL)
    wait_for(lambda: reader.generation(ACL) != again)


def test_redis_feed_drops_everything_when_it_loses_redis(redis_feeds):
    _writer, reader = redis_feeds
    before = reader.generation(PACKAGES)
    reader._redis.connection_pool.disconnect()  # the listener's connection goes with it
    wait_for(lambda: reader.generation(PACKAGES) != before, seconds=5)
