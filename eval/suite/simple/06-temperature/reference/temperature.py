"""Temperature conversions between Celsius, Fahrenheit and Kelvin."""

ABSOLUTE_ZERO_C = -273.15
_EPS = 1e-9


def _check_celsius(c):
    if c < ABSOLUTE_ZERO_C - _EPS:
        raise ValueError("temperature below absolute zero")
    return c


def _to_celsius(value, unit):
    if unit == "C":
        return _check_celsius(value)
    if unit == "F":
        return _check_celsius((value - 32) * 5 / 9)
    if unit == "K":
        return _check_celsius(value + ABSOLUTE_ZERO_C)
    raise ValueError(f"unknown unit: {unit!r}")


def _from_celsius(c, unit):
    if unit == "C":
        return c
    if unit == "F":
        return c * 9 / 5 + 32
    if unit == "K":
        return c - ABSOLUTE_ZERO_C
    raise ValueError(f"unknown unit: {unit!r}")


def celsius_to_fahrenheit(c):
    return _from_celsius(_to_celsius(c, "C"), "F")


def fahrenheit_to_celsius(f):
    return _to_celsius(f, "F")


def celsius_to_kelvin(c):
    return _from_celsius(_to_celsius(c, "C"), "K")


def kelvin_to_celsius(k):
    return _to_celsius(k, "K")


def convert(value, from_unit, to_unit):
    source, target = str(from_unit).upper(), str(to_unit).upper()
    if target not in ("C", "F", "K"):
        raise ValueError(f"unknown unit: {to_unit!r}")
    celsius = _to_celsius(value, source)
    if source == target:
        return float(value)
    return float(_from_celsius(celsius, target))


def test_conversions():
    assert abs(celsius_to_fahrenheit(100) - 212) < 1e-9
    assert abs(convert(0, "K", "F") + 459.67) < 1e-9
    assert convert(5, "C", "C") == 5


def test_errors():
    import pytest

    with pytest.raises(ValueError):
        kelvin_to_celsius(-1)
    with pytest.raises(ValueError):
        convert(1, "C", "Q")
