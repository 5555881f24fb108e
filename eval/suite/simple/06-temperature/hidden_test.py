import pytest

from temperature import (
    celsius_to_fahrenheit,
    celsius_to_kelvin,
    convert,
    fahrenheit_to_celsius,
    kelvin_to_celsius,
)


def test_celsius_fahrenheit():
    assert celsius_to_fahrenheit(0) == pytest.approx(32)
    assert celsius_to_fahrenheit(100) == pytest.approx(212)
    assert celsius_to_fahrenheit(-40) == pytest.approx(-40)
    assert fahrenheit_to_celsius(98.6) == pytest.approx(37)
    assert fahrenheit_to_celsius(32) == pytest.approx(0)


def test_celsius_kelvin():
    assert celsius_to_kelvin(0) == pytest.approx(273.15)
    assert kelvin_to_celsius(0) == pytest.approx(-273.15)
    assert kelvin_to_celsius(373.15) == pytest.approx(100)


def test_convert_all_pairs():
    assert convert(100, "C", "F") == pytest.approx(212)
    assert convert(212, "F", "C") == pytest.approx(100)
    assert convert(32, "F", "K") == pytest.approx(273.15)
    assert convert(0, "K", "F") == pytest.approx(-459.67)
    assert convert(300, "K", "C") == pytest.approx(26.85)
    assert convert(25, "c", "k") == pytest.approx(298.15)


def test_convert_same_unit():
    assert convert(12.5, "F", "F") == pytest.approx(12.5)


def test_unknown_unit():
    with pytest.raises(ValueError):
        convert(10, "C", "X")
    with pytest.raises(ValueError):
        convert(10, "Rankine", "C")


def test_below_absolute_zero():
    with pytest.raises(ValueError):
        celsius_to_fahrenheit(-300)
    with pytest.raises(ValueError):
        fahrenheit_to_celsius(-500)
    with pytest.raises(ValueError):
        kelvin_to_celsius(-1)
    with pytest.raises(ValueError):
        celsius_to_kelvin(-273.16)
    with pytest.raises(ValueError):
        convert(-1, "K", "C")
