from search import binary_search, count_occurrences, lower_bound, upper_bound


class CountingSequence:
    """A huge sorted sequence that counts how often it is indexed."""

    def __init__(self, size):
        self.size = size
        self.reads = 0

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise AssertionError("the sequence must not be sliced")
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(index)
        self.reads += 1
        return index * 2


def test_found_and_missing():
    items = [1, 3, 5, 7, 9, 11]
    assert binary_search(items, 1) == 0
    assert binary_search(items, 7) == 3
    assert binary_search(items, 11) == 5
    assert binary_search(items, 4) == -1
    assert binary_search(items, 0) == -1
    assert binary_search(items, 12) == -1


def test_empty_and_single():
    assert binary_search([], 3) == -1
    assert binary_search([3], 3) == 0
    assert lower_bound([], 3) == 0
    assert upper_bound([], 3) == 0


def test_duplicates_return_first():
    items = [1, 2, 2, 2, 2, 3, 4]
    assert binary_search(items, 2) == 1
    assert count_occurrences(items, 2) == 4
    assert count_occurrences(items, 5) == 0


def test_bounds():
    items = [10, 20, 20, 30]
    assert lower_bound(items, 20) == 1
    assert upper_bound(items, 20) == 3
    assert lower_bound(items, 5) == 0
    assert lower_bound(items, 35) == 4
    assert upper_bound(items, 30) == 4
    assert lower_bound(items, 25) == upper_bound(items, 25) == 3


def test_works_on_tuples_strings_and_ranges():
    assert binary_search(("apple", "banana", "cherry"), "banana") == 1
    assert binary_search(range(0, 1000, 5), 495) == 99
    assert binary_search(range(0, 1000, 5), 496) == -1


def test_logarithmic_reads():
    seq = CountingSequence(1_000_000)
    assert binary_search(seq, 777_776) == 388_888
    assert seq.reads <= 60
    seq.reads = 0
    assert binary_search(seq, 777_777) == -1
    assert seq.reads <= 60
    seq.reads = 0
    assert lower_bound(seq, 3) == 2
    assert upper_bound(seq, 1_999_998) == 1_000_000
    assert seq.reads <= 120
