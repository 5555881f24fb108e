"""Binary search over sorted sequences (O(log n) reads, no copying)."""


def lower_bound(items, target):
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def upper_bound(items, target):
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if target < items[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def binary_search(items, target):
    index = lower_bound(items, target)
    if index < len(items) and items[index] == target:
        return index
    return -1


def count_occurrences(items, target):
    return upper_bound(items, target) - lower_bound(items, target)


def test_search():
    items = [1, 2, 2, 3]
    assert binary_search(items, 2) == 1
    assert binary_search(items, 5) == -1
    assert binary_search([], 1) == -1


def test_bounds_and_count():
    items = [10, 20, 20, 30]
    assert lower_bound(items, 20) == 1
    assert upper_bound(items, 20) == 3
    assert count_occurrences(items, 20) == 2
    assert binary_search(range(0, 100, 2), 42) == 21
