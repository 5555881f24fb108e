import pytest

from lru_cache import LRUCache


def test_basic_put_get():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    assert cache.get("b") == 2
    assert cache.get("zzz") is None
    assert cache.get("zzz", "dflt") == "dflt"
    assert len(cache) == 2


def test_evicts_least_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_update_refreshes_and_does_not_grow():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert len(cache) == 2
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 10


def test_contains_does_not_touch_order():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    cache.put("c", 3)
    assert "a" not in cache
    assert "b" in cache


def test_keys_order():
    cache = LRUCache(3)
    for key in "xyz":
        cache.put(key, key.upper())
    cache.get("x")
    assert cache.keys() == ["y", "z", "x"]


def test_none_values_and_stats():
    cache = LRUCache(1)
    cache.put("k", None)
    assert "k" in cache
    assert cache.get("k", "missing") is None
    cache.get("nope")
    assert cache.hits == 1
    assert cache.misses == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_invalid_capacity(bad):
    with pytest.raises(ValueError):
        LRUCache(bad)


def test_capacity_one():
    cache = LRUCache(1)
    cache.put(1, "one")
    cache.put(2, "two")
    assert 1 not in cache
    assert cache.get(2) == "two"
    assert cache.keys() == [2]
