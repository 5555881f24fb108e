"""Unit conversion for the lab's tools.

Every dimension (length, mass, volume, ...) has a table of factors to one base unit; converting
multiplies by the source unit's factor and divides by the target unit's. Temperature is the only
dimension with offsets, so it has its own functions. Unit names are case-sensitive symbols ("km",
"mL", "kWh"); `UnknownUnitError` names the unit and the dimension when a symbol is not known.

The module is used by the command line (`parse_quantity`, `convert`, `format_quantity`) and by the
report generator (`convert_length`, `convert_mass`, ... directly), so each function keeps a stable
signature: `convert_<dimension>(value, from_unit, to_unit) -> float`.
"""
import math
import re

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class UnknownUnitError(ValueError):
    """A unit symbol the dimension does not know."""

    def __init__(self, unit: str, dimension: str):
        super().__init__(f"unknown {dimension} unit {unit!r}; known: {', '.join(list_units(dimension))}")
        self.unit = unit
        self.dimension = dimension


class IncompatibleUnitsError(ValueError):
    """Two units of different dimensions (metres to kilograms)."""

    def __init__(self, from_unit: str, to_unit: str):
        super().__init__(f"cannot convert {from_unit!r} to {to_unit!r}: different dimensions")
        self.from_unit = from_unit
        self.to_unit = to_unit


# ---------------------------------------------------------------------------------------------
# Factor tables: how many base units one unit is
# ---------------------------------------------------------------------------------------------

# Base unit: metre.
LENGTH = {
    "mm": 0.001,
    "cm": 0.01,
    "m": 1.0,
    "km": 1000.0,
    "in": 0.0254,
    "ft": 0.3048,
    "yd": 0.9144,
    "mi": 1609.344,
    "nmi": 1852.0,
}

# Base unit: kilogram.
MASS = {
    "mg": 0.000001,
    "g": 0.001,
    "kg": 1.0,
    "t": 1000.0,
    "oz": 0.028349523125,
    "lb": 0.45359237,
    "st": 6.35029318,
}

# Base unit: litre.
VOLUME = {
    "mL": 0.001,
    "cL": 0.01,
    "L": 1.0,
    "m3": 1000.0,
    "tsp": 0.00492892159375,
    "tbsp": 0.01478676478125,
    "cup": 0.2365882365,
    "pt": 0.473176473,
    "gal": 3.785411784,
}

# Base unit: square metre.
AREA = {
    "mm2": 0.000001,
    "cm2": 0.0001,
    "m2": 1.0,
    "ha": 10000.0,
    "km2": 1000000.0,
    "ft2": 0.09290304,
    "acre": 4046.8564224,
}

# Base unit: metre per second.
SPEED = {
    "m/s": 1.0,
    "km/h": 1000.0 / 3600.0,
    "mph": 1609.344 / 3600.0,
    "kn": 1852.0 / 3600.0,
    "ft/s": 0.3048,
}

# Base unit: pascal.
PRESSURE = {
    "Pa": 1.0,
    "hPa": 100.0,
    "kPa": 1000.0,
    "bar": 100000.0,
    "atm": 101325.0,
    "psi": 6894.757293168,
    "mmHg": 133.322387415,
}

# Base unit: joule.
ENERGY = {
    "J": 1.0,
    "kJ": 1000.0,
    "cal": 4.184,
    "kcal": 4184.0,
    "Wh": 3600.0,
    "kWh": 3600000.0,
    "BTU": 1055.05585262,
}

# Base unit: watt.
POWER = {
    "W": 1.0,
    "kW": 1000.0,
    "MW": 1000000.0,
    "hp": 745.69987158227,
}

# Base unit: byte. Decimal (kB, MB) and binary (KiB, MiB) prefixes are both in use.
DATA = {
    "B": 1.0,
    "kB": 1000.0,
    "MB": 1000.0**2,
    "GB": 1000.0**3,
    "TB": 1000.0**4,
    "KiB": 1024.0,
    "MiB": 1024.0**2,
    "GiB": 1024.0**3,
    "TiB": 1024.0**4,
}

# Base unit: second.
TIME = {
    "ms": 0.001,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "day": 86400.0,
    "week": 604800.0,
}

TEMPERATURE_UNITS = ("C", "F", "K")

# The dimensions `convert` and `parse_quantity` know, by name; temperature is handled apart.
DIMENSIONS = {
    "length": LENGTH,
    "mass": MASS,
    "volume": VOLUME,
    "area": AREA,
    "speed": SPEED,
    "pressure": PRESSURE,
    "energy": ENERGY,
    "power": POWER,
    "data": DATA,
    "time": TIME,
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def list_units(dimension: str) -> list[str]:
    """The unit symbols of a dimension, in table order (temperature: C, F, K)."""
    if dimension == "temperature":
        return list(TEMPERATURE_UNITS)
    if dimension not in DIMENSIONS:
        raise KeyError(f"unknown dimension {dimension!r}")
    return list(DIMENSIONS[dimension])


def dimension_of(unit: str) -> str:
    """The dimension a unit symbol belongs to; UnknownUnitError("any") when none has it."""
    if unit in TEMPERATURE_UNITS:
        return "temperature"
    for name, table in DIMENSIONS.items():
        if unit in table:
            return name
    raise UnknownUnitError(unit, "any")


def _factor_convert(table: dict, dimension: str, value: float, from_unit: str, to_unit: str) -> float:
    """value * factor(from) / factor(to), after checking both symbols."""
    if from_unit not in table:
        raise UnknownUnitError(from_unit, dimension)
    if to_unit not in table:
        raise UnknownUnitError(to_unit, dimension)
    if from_unit == to_unit:
        return float(value)
    return value * table[from_unit] / table[to_unit]


def round_significant(value: float, digits: int = 3) -> float:
    """`value` rounded to `digits` significant digits (0 stays 0)."""
    if digits < 1:
        raise ValueError("digits must be at least 1")
    if value == 0 or not math.isfinite(value):
        return value
    magnitude = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - magnitude)


# ---------------------------------------------------------------------------------------------
# One function per dimension
# ---------------------------------------------------------------------------------------------


def convert_length(value: float, from_unit: str, to_unit: str) -> float:
    """Length: mm, cm, m, km, in, ft, yd, mi, nmi."""
    return _factor_convert(LENGTH, "length", value, from_unit, to_unit)


def convert_mass(value: float, from_unit: str, to_unit: str) -> float:
    """Mass: mg, g, kg, t, oz, lb, st."""
    return _factor_convert(MASS, "mass", value, from_unit, to_unit)


def convert_volume(value: float, from_unit: str, to_unit: str) -> float:
    """Volume: mL, cL, L, m3, tsp, tbsp, cup, pt, gal (US customary)."""
    return _factor_convert(VOLUME, "volume", value, from_unit, to_unit)


def convert_area(value: float, from_unit: str, to_unit: str) -> float:
    """Area: mm2, cm2, m2, ha, km2, ft2, acre."""
    return _factor_convert(AREA, "area", value, from_unit, to_unit)


def convert_speed(value: float, from_unit: str, to_unit: str) -> float:
    """Speed: m/s, km/h, mph, kn, ft/s."""
    return _factor_convert(SPEED, "speed", value, from_unit, to_unit)


def convert_pressure(value: float, from_unit: str, to_unit: str) -> float:
    """Pressure: Pa, hPa, kPa, bar, atm, psi, mmHg."""
    return _factor_convert(PRESSURE, "pressure", value, from_unit, to_unit)


def convert_energy(value: float, from_unit: str, to_unit: str) -> float:
    """Energy: J, kJ, cal, kcal, Wh, kWh, BTU."""
    return _factor_convert(ENERGY, "energy", value, from_unit, to_unit)


def convert_power(value: float, from_unit: str, to_unit: str) -> float:
    """Power: W, kW, MW, hp (mechanical)."""
    return _factor_convert(POWER, "power", value, from_unit, to_unit)


def convert_data(value: float, from_unit: str, to_unit: str) -> float:
    """Data size: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB. Negative sizes make no sense."""
    if value < 0:
        raise ValueError("a data size cannot be negative")
    return _factor_convert(DATA, "data", value, from_unit, to_unit)


def convert_time(value: float, from_unit: str, to_unit: str) -> float:
    """Time: ms, s, min, h, day, week."""
    return _factor_convert(TIME, "time", value, from_unit, to_unit)


def to_kelvin(value: float, unit: str) -> float:
    """A temperature in C, F or K as kelvin; below absolute zero raises ValueError."""
    if unit == "C":
        kelvin = value + 273.15
    elif unit == "F":
        kelvin = (value - 32.0) * 5.0 / 9.0 + 273.15
    elif unit == "K":
        kelvin = float(value)
    else:
        raise UnknownUnitError(unit, "temperature")
    if kelvin < 0:
        raise ValueError(f"{value} {unit} is below absolute zero")
    return kelvin


def from_kelvin(kelvin: float, unit: str) -> float:
    """Kelvin as C, F or K."""
    if unit == "C":
        return kelvin - 273.15
    if unit == "F":
        return (kelvin - 273.15) * 9.0 / 5.0 + 32.0
    if unit == "K":
        return kelvin
    raise UnknownUnitError(unit, "temperature")


def convert_temperature(value: float, from_unit: str, to_unit: str) -> float:
    """Temperature: C, F, K (through kelvin, so offsets are handled)."""
    if to_unit not in TEMPERATURE_UNITS:
        raise UnknownUnitError(to_unit, "temperature")
    return from_kelvin(to_kelvin(value, from_unit), to_unit)


# ---------------------------------------------------------------------------------------------
# Text in, text out: what the command line uses
# ---------------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z][A-Za-z0-9/]*)\s*$")


def parse_quantity(text: str) -> tuple[float, str]:
    """"12.5 km" -> (12.5, "km"); the unit must be known to some dimension."""
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r} (expected a number and a unit, like '12.5 km')")
    value, unit = float(match.group(1)), match.group(2)
    dimension_of(unit)
    return value, unit


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Any supported conversion; both units must be of one dimension."""
    source, target = dimension_of(from_unit), dimension_of(to_unit)
    if source != target:
        raise IncompatibleUnitsError(from_unit, to_unit)
    if source == "temperature":
        return convert_temperature(value, from_unit, to_unit)
    return _factor_convert(DIMENSIONS[source], source, value, from_unit, to_unit)


def format_quantity(value: float, unit: str, precision: int = 2) -> str:
    """"12.50 km": fixed decimals, trailing zeros kept, no thousands separators."""
    if precision < 0:
        raise ValueError("precision cannot be negative")
    return f"{value:.{precision}f} {unit}"


def convert_text(text: str, to_unit: str, precision: int = 2) -> str:
    """"10 km" to "mi" -> "6.21 mi"."""
    value, unit = parse_quantity(text)
    return format_quantity(convert(value, unit, to_unit), to_unit, precision)


def best_unit(value: float, unit: str, candidates: list[str] | None = None) -> tuple[float, str]:
    """The same quantity in the candidate unit giving the smallest value that is at least 1.

    Candidates default to the units of the value's dimension. When no candidate gives a value of at
    least 1, the one giving the largest value is used. Temperatures are returned as they are.
    """
    dimension = dimension_of(unit)
    if dimension == "temperature":
        return float(value), unit
    options = candidates if candidates is not None else list_units(dimension)
    converted = [(convert(value, unit, other), other) for other in options]
    at_least_one = [c for c in converted if abs(c[0]) >= 1]
    if at_least_one:
        return min(at_least_one, key=lambda c: abs(c[0]))
    return max(converted, key=lambda c: abs(c[0]))


def test_convert_time():
    assert convert_time(90, "min", "h") == 1.5
    assert convert(1, "week", "day") == 7
    assert dimension_of("ms") == "time"
