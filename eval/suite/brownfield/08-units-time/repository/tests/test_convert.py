import pytest

from units.convert import (
    IncompatibleUnitsError,
    UnknownUnitError,
    best_unit,
    convert,
    convert_data,
    convert_length,
    convert_mass,
    convert_temperature,
    convert_text,
    dimension_of,
    list_units,
    parse_quantity,
    round_significant,
)


def test_length_and_mass():
    assert convert_length(1, "km", "m") == 1000
    assert convert_length(12, "in", "ft") == pytest.approx(1)
    assert convert_mass(1, "lb", "g") == pytest.approx(453.59237)


def test_unknown_unit_names_the_dimension():
    with pytest.raises(UnknownUnitError) as caught:
        convert_length(1, "furlong", "m")
    assert caught.value.dimension == "length"


def test_temperature():
    assert convert_temperature(100, "C", "F") == pytest.approx(212)
    assert convert_temperature(0, "K", "C") == pytest.approx(-273.15)
    with pytest.raises(ValueError):
        convert_temperature(-500, "F", "C")


def test_data_sizes():
    assert convert_data(1, "GiB", "MiB") == 1024
    with pytest.raises(ValueError):
        convert_data(-1, "B", "kB")


def test_generic_convert_and_dimensions():
    assert convert(36, "km/h", "m/s") == pytest.approx(10)
    assert dimension_of("kWh") == "energy"
    with pytest.raises(IncompatibleUnitsError):
        convert(1, "m", "kg")
    assert list_units("temperature") == ["C", "F", "K"]
    with pytest.raises(KeyError):
        list_units("luminosity")


def test_text():
    assert parse_quantity(" 12.5 km ") == (12.5, "km")
    assert convert_text("10 km", "mi") == "6.21 mi"
    with pytest.raises(ValueError):
        parse_quantity("twelve km")


def test_best_unit_and_rounding():
    assert best_unit(1500, "m") == (1.5, "km")
    assert best_unit(20, "C") == (20.0, "C")
    assert round_significant(123456, 2) == 120000
    assert round_significant(0.00123456, 3) == pytest.approx(0.00123)
