"""Small statistics helpers for grades."""


def mean(values):
    values = list(values)
    if not values:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)


def median(values):
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of an empty list")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def letter_grade(score):
    if not 0 <= score <= 100:
        raise ValueError("score must be between 0 and 100")
    for threshold, letter in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= threshold:
            return letter
    return "F"


def test_stats():
    assert mean([1, 2]) == 1.5
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5
    assert letter_grade(90) == "A" and letter_grade(59) == "F"
