import pytest

from stats.descriptive import EmptyDataError, percentile, quartiles

DATA = [15, 20, 35, 40, 50]  # sorted already; rank for p=40 is 1.6


def test_default_is_linear():
    assert percentile(DATA, 40) == pytest.approx(29)
    assert percentile(DATA, 40, method="linear") == pytest.approx(29)


def test_lower_and_higher():
    assert percentile(DATA, 40, method="lower") == 20
    assert percentile(DATA, 40, method="higher") == 35
    assert percentile(DATA, 50, method="lower") == 35
    assert percentile(DATA, 50, method="higher") == 35


def test_nearest():
    assert percentile(DATA, 40, method="nearest") == 35
    assert percentile(DATA, 30, method="nearest") == 20  # rank 1.2
    # ranks at .5 go to the even index: [1, 2, 3, 4] p=50 -> rank 1.5 -> index 2
    assert percentile([1, 2, 3, 4], 50, method="nearest") == 3
    # p=(0.5/3*100) -> rank 0.5 -> index 0
    assert percentile([1, 2, 3, 4], 50 / 3, method="nearest") == 1


def test_midpoint():
    assert percentile(DATA, 40, method="midpoint") == pytest.approx(27.5)
    assert percentile(DATA, 50, method="midpoint") == 35


def test_results_are_floats():
    for method in ("linear", "lower", "higher", "nearest", "midpoint"):
        assert isinstance(percentile([3, 1, 2], 50, method=method), float)


def test_unsorted_input():
    assert percentile([50, 15, 40, 20, 35], 40, method="higher") == 35


def test_errors():
    with pytest.raises(ValueError):
        percentile(DATA, 40, method="cubic")
    with pytest.raises(ValueError):
        percentile(DATA, -1, method="lower")
    with pytest.raises(EmptyDataError):
        percentile([], 50, method="nearest")


def test_quartiles_stay_linear():
    assert quartiles([1, 2, 3, 4]) == (1.75, 2.5, 3.25)
