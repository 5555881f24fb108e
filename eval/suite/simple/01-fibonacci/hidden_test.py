import pytest

from fib import fibonacci, fibonacci_sequence


def test_base_cases():
    assert fibonacci(0) == 0
    assert fibonacci(1) == 1
    assert fibonacci(2) == 1


def test_small_values():
    assert [fibonacci(n) for n in range(11)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55]


def test_large_value_is_fast_and_exact():
    assert fibonacci(90) == 2880067194370816120
    assert fibonacci(300) == 222232244629420445529739893461909967206666939096499764990979600


def test_sequence():
    assert fibonacci_sequence(0) == []
    assert fibonacci_sequence(1) == [0]
    assert fibonacci_sequence(5) == [0, 1, 1, 2, 3]
    assert fibonacci_sequence(12)[-1] == 89


def test_negative_raises_value_error():
    with pytest.raises(ValueError):
        fibonacci(-1)
    with pytest.raises(ValueError):
        fibonacci_sequence(-3)


@pytest.mark.parametrize("bad", [3.0, "5", None, True])
def test_non_int_raises_type_error(bad):
    with pytest.raises(TypeError):
        fibonacci(bad)
    with pytest.raises(TypeError):
        fibonacci_sequence(bad)
