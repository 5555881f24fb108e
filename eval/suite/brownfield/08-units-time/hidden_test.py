import pytest

from units.convert import (
    IncompatibleUnitsError,
    UnknownUnitError,
    best_unit,
    convert,
    convert_length,
    convert_text,
    convert_time,
    dimension_of,
    list_units,
)


def test_convert_time():
    assert convert_time(90, "min", "h") == pytest.approx(1.5)
    assert convert_time(2, "week", "day") == pytest.approx(14)
    assert convert_time(1500, "ms", "s") == pytest.approx(1.5)
    assert convert_time(1, "day", "s") == pytest.approx(86400)
    assert convert_time(3, "h", "h") == 3


def test_unknown_time_unit():
    with pytest.raises(UnknownUnitError) as caught:
        convert_time(1, "fortnight", "day")
    assert caught.value.dimension == "time"
    with pytest.raises(UnknownUnitError):
        convert_time(1, "s", "year")


def test_generic_functions_know_time():
    assert dimension_of("min") == "time"
    assert list_units("time") == ["ms", "s", "min", "h", "day", "week"]
    assert convert(1, "day", "h") == pytest.approx(24)
    assert convert_text("45 min", "h") == "0.75 h"
    assert best_unit(7200, "s") == (2.0, "h")


def test_time_is_its_own_dimension():
    with pytest.raises(IncompatibleUnitsError):
        convert(1, "h", "m")
    with pytest.raises(UnknownUnitError):
        convert_length(1, "min", "m")
