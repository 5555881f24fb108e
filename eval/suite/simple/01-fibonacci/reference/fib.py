"""Fibonacci numbers, computed iteratively so large n stays fast and exact."""


def _check(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError("the argument must not be negative")


def fibonacci(n):
    """Return the n-th Fibonacci number (fibonacci(0) == 0, fibonacci(1) == 1)."""
    _check(n)
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fibonacci_sequence(count):
    """Return the first `count` Fibonacci numbers, starting at 0."""
    _check(count)
    result = []
    a, b = 0, 1
    for _ in range(count):
        result.append(a)
        a, b = b, a + b
    return result


def test_fibonacci_values():
    assert [fibonacci(n) for n in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
    assert fibonacci(90) == 2880067194370816120


def test_sequence_matches():
    assert fibonacci_sequence(6) == [0, 1, 1, 2, 3, 5]
    assert fibonacci_sequence(0) == []


def test_errors():
    import pytest

    with pytest.raises(ValueError):
        fibonacci(-1)
    with pytest.raises(TypeError):
        fibonacci(2.0)
    with pytest.raises(TypeError):
        fibonacci_sequence(True)
