"""Descriptive statistics for the dashboard, without numpy.

All functions take a sequence of numbers (ints or floats) and never change it. Empty input raises
`EmptyDataError` (a ValueError) unless a function says otherwise. Results are floats except where
noted (`mode`, `frequencies`, `histogram` counts).

The dashboard calls these one at a time on small samples (at most a few thousand points), so the
code favours clarity over speed: most functions sort a copy of the data.
"""
import math
from collections import Counter
from collections.abc import Sequence

Number = int | float


class EmptyDataError(ValueError):
    """A statistic of no data."""

    def __init__(self, what: str):
        super().__init__(f"{what} of an empty sequence")
        self.what = what


def _require(data: Sequence[Number], what: str, at_least: int = 1) -> list[Number]:
    """A list copy of `data`, after checking it holds `at_least` values and only numbers."""
    values = list(data)
    if len(values) < at_least:
        if not values:
            raise EmptyDataError(what)
        raise ValueError(f"{what} needs at least {at_least} values, got {len(values)}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{what}: not a number: {value!r}")
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"{what}: NaN in the data")
    return values


# ---------------------------------------------------------------------------------------------
# Central tendency
# ---------------------------------------------------------------------------------------------


def mean(data: Sequence[Number]) -> float:
    """Arithmetic mean."""
    values = _require(data, "mean")
    return math.fsum(values) / len(values)


def geometric_mean(data: Sequence[Number]) -> float:
    """nth root of the product; every value must be positive."""
    values = _require(data, "geometric mean")
    if any(v <= 0 for v in values):
        raise ValueError("geometric mean needs positive values")
    return math.exp(math.fsum(math.log(v) for v in values) / len(values))


def harmonic_mean(data: Sequence[Number]) -> float:
    """n divided by the sum of reciprocals; every value must be positive."""
    values = _require(data, "harmonic mean")
    if any(v <= 0 for v in values):
        raise ValueError("harmonic mean needs positive values")
    return len(values) / math.fsum(1 / v for v in values)


def trimmed_mean(data: Sequence[Number], proportion: float = 0.1) -> float:
    """Mean after dropping `proportion` of the values at each end (rounded down)."""
    if not 0 <= proportion < 0.5:
        raise ValueError("proportion must be in [0, 0.5)")
    values = sorted(_require(data, "trimmed mean"))
    cut = int(len(values) * proportion)
    kept = values[cut : len(values) - cut]
    return math.fsum(kept) / len(kept)


def median(data: Sequence[Number]) -> float:
    """Middle value; the mean of the two middle values for an even count."""
    values = sorted(_require(data, "median"))
    middle = len(values) // 2
    if len(values) % 2:
        return float(values[middle])
    return (values[middle - 1] + values[middle]) / 2


def mode(data: Sequence[Number]) -> Number:
    """Most frequent value; among equally frequent values, the smallest."""
    values = _require(data, "mode")
    counts = Counter(values)
    top = max(counts.values())
    return min(v for v, c in counts.items() if c == top)


def frequencies(data: Sequence[Number]) -> list[tuple[Number, int]]:
    """(value, count) pairs, most frequent first, then by value. Empty data gives []."""
    counts = Counter(data)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# ---------------------------------------------------------------------------------------------
# Spread
# ---------------------------------------------------------------------------------------------


def value_range(data: Sequence[Number]) -> float:
    """max - min."""
    values = _require(data, "range")
    return float(max(values) - min(values))


def variance(data: Sequence[Number], sample: bool = True) -> float:
    """Sample variance (n - 1 denominator), or population variance with sample=False."""
    values = _require(data, "variance", 2 if sample else 1)
    centre = mean(values)
    squares = math.fsum((v - centre) ** 2 for v in values)
    return squares / (len(values) - 1 if sample else len(values))


def stdev(data: Sequence[Number], sample: bool = True) -> float:
    """Square root of the variance."""
    return math.sqrt(variance(data, sample))


def mean_absolute_deviation(data: Sequence[Number]) -> float:
    """Mean distance from the mean."""
    values = _require(data, "mean absolute deviation")
    centre = mean(values)
    return math.fsum(abs(v - centre) for v in values) / len(values)


def coefficient_of_variation(data: Sequence[Number]) -> float:
    """Sample standard deviation over the mean; the mean must not be 0."""
    centre = mean(data)
    if centre == 0:
        raise ValueError("coefficient of variation of data with mean 0")
    return stdev(data) / centre


# ---------------------------------------------------------------------------------------------
# Position
# ---------------------------------------------------------------------------------------------


def percentile(data: Sequence[Number], p: float) -> float:
    """The p-th percentile (0 <= p <= 100), interpolating linearly between closest ranks.

    The rank of p is (n - 1) * p / 100 over the sorted values; between two ranks the value is
    interpolated (the same as numpy's default "linear" method).
    """
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    values = sorted(_require(data, "percentile"))
    rank = (len(values) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(values[low])
    return values[low] + (values[high] - values[low]) * (rank - low)


def quartiles(data: Sequence[Number]) -> tuple[float, float, float]:
    """(Q1, median, Q3) as the 25th, 50th and 75th percentiles."""
    return percentile(data, 25), percentile(data, 50), percentile(data, 75)


def interquartile_range(data: Sequence[Number]) -> float:
    """Q3 - Q1."""
    q1, _, q3 = quartiles(data)
    return q3 - q1


def outliers(data: Sequence[Number], k: float = 1.5) -> list[Number]:
    """Values below Q1 - k*IQR or above Q3 + k*IQR, in their original order."""
    values = _require(data, "outliers")
    q1, _, q3 = quartiles(values)
    spread = q3 - q1
    return [v for v in values if v < q1 - k * spread or v > q3 + k * spread]


def zscores(data: Sequence[Number]) -> list[float]:
    """(value - mean) / sample stdev for each value; all-equal data raises ValueError."""
    values = _require(data, "z-scores", 2)
    centre, spread = mean(values), stdev(values)
    if spread == 0:
        raise ValueError("z-scores of data with no spread")
    return [(v - centre) / spread for v in values]


def rank(data: Sequence[Number]) -> list[float]:
    """1-based ranks in the original order; ties get the mean of the ranks they span."""
    values = _require(data, "rank")
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = shared
        start = end + 1
    return ranks


# ---------------------------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------------------------


def skewness(data: Sequence[Number]) -> float:
    """Population skewness (third standardised moment); 0 for data with no spread."""
    values = _require(data, "skewness")
    centre = mean(values)
    spread = math.sqrt(math.fsum((v - centre) ** 2 for v in values) / len(values))
    if spread == 0:
        return 0.0
    return math.fsum(((v - centre) / spread) ** 3 for v in values) / len(values)


def kurtosis(data: Sequence[Number]) -> float:
    """Excess kurtosis (fourth standardised moment minus 3); 0 for data with no spread."""
    values = _require(data, "kurtosis")
    centre = mean(values)
    spread = math.sqrt(math.fsum((v - centre) ** 2 for v in values) / len(values))
    if spread == 0:
        return 0.0
    return math.fsum(((v - centre) / spread) ** 4 for v in values) / len(values) - 3


# ---------------------------------------------------------------------------------------------
# Two variables
# ---------------------------------------------------------------------------------------------


def covariance(xs: Sequence[Number], ys: Sequence[Number]) -> float:
    """Sample covariance of two equally long sequences."""
    x, y = _require(xs, "covariance", 2), _require(ys, "covariance", 2)
    if len(x) != len(y):
        raise ValueError("covariance needs sequences of equal length")
    mx, my = mean(x), mean(y)
    return math.fsum((a - mx) * (b - my) for a, b in zip(x, y)) / (len(x) - 1)


def correlation(xs: Sequence[Number], ys: Sequence[Number]) -> float:
    """Pearson's r; a sequence with no spread raises ValueError."""
    sx, sy = stdev(xs), stdev(ys)
    if sx == 0 or sy == 0:
        raise ValueError("correlation of data with no spread")
    return covariance(xs, ys) / (sx * sy)


def linear_fit(xs: Sequence[Number], ys: Sequence[Number]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line y = slope * x + intercept."""
    sx = variance(xs)
    if sx == 0:
        raise ValueError("linear fit needs x values that differ")
    slope = covariance(xs, ys) / sx
    return slope, mean(ys) - slope * mean(xs)


# ---------------------------------------------------------------------------------------------
# Series and bins
# ---------------------------------------------------------------------------------------------


def moving_average(data: Sequence[Number], window: int) -> list[float]:
    """Means of each run of `window` consecutive values (len(data) - window + 1 of them)."""
    if window < 1:
        raise ValueError("window must be at least 1")
    values = _require(data, "moving average", window)
    total = math.fsum(values[:window])
    averages = [total / window]
    for i in range(window, len(values)):
        total += values[i] - values[i - window]
        averages.append(total / window)
    return averages


def cumulative_sum(data: Sequence[Number]) -> list[float]:
    """Running totals; empty data gives []."""
    totals, running = [], 0.0
    for value in data:
        running += value
        totals.append(running)
    return totals


def histogram(data: Sequence[Number], bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, count) for `bins` equal-width bins from min to max; the last bin includes max."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    values = _require(data, "histogram")
    low, high = min(values), max(values)
    if low == high:
        return [(float(low), float(high), len(values))]
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        index = min(int((value - low) / width), bins - 1)
        counts[index] += 1
    return [(low + i * width, low + (i + 1) * width, counts[i]) for i in range(bins)]


def summary(data: Sequence[Number]) -> dict[str, float]:
    """count, mean, stdev (0 for one value), min, q1, median, q3, max."""
    values = _require(data, "summary")
    q1, q2, q3 = quartiles(values)
    return {
        "count": float(len(values)),
        "mean": mean(values),
        "stdev": stdev(values) if len(values) > 1 else 0.0,
        "min": float(min(values)),
        "q1": q1,
        "median": q2,
        "q3": q3,
        "max": float(max(values)),
    }
