import pytest

from stats.descriptive import (
    EmptyDataError,
    correlation,
    histogram,
    interquartile_range,
    linear_fit,
    mean,
    median,
    mode,
    moving_average,
    outliers,
    percentile,
    quartiles,
    rank,
    stdev,
    summary,
    variance,
)


def test_centre():
    assert mean([1, 2, 3, 4]) == 2.5
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert mode([3, 1, 3, 1, 2]) == 1


def test_empty_and_bad_values():
    with pytest.raises(EmptyDataError):
        mean([])
    with pytest.raises(TypeError):
        mean([1, "2"])
    with pytest.raises(ValueError):
        median([1.0, float("nan")])


def test_spread():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(4.571428571)
    assert stdev([2, 4, 4, 4, 5, 5, 7, 9], sample=False) == pytest.approx(2.0)


def test_percentile_linear():
    data = [15, 20, 35, 40, 50]
    assert percentile(data, 0) == 15
    assert percentile(data, 100) == 50
    assert percentile(data, 40) == pytest.approx(29)
    assert percentile(data, 50) == 35
    with pytest.raises(ValueError):
        percentile(data, 101)


def test_quartiles_and_outliers():
    data = [1, 2, 3, 4, 5, 6, 7, 8, 100]
    assert quartiles(data) == (3, 5, 7)
    assert interquartile_range(data) == 4
    assert outliers(data) == [100]


def test_rank_ties():
    assert rank([10, 20, 10, 30]) == [1.5, 3.0, 1.5, 4.0]


def test_two_variables():
    assert correlation([1, 2, 3], [2, 4, 6]) == pytest.approx(1)
    assert linear_fit([0, 1, 2], [1, 3, 5]) == pytest.approx((2, 1))


def test_series_and_bins():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]
    assert [c for _, _, c in histogram([0, 1, 2, 3, 4], bins=2)] == [2, 3]


def test_summary():
    result = summary([1, 2, 3, 4, 5])
    assert result["median"] == 3 and result["q1"] == 2 and result["q3"] == 4 and result["count"] == 5
