import pytest

from roman import from_roman, to_roman

KNOWN = {
    1: "I",
    3: "III",
    4: "IV",
    9: "IX",
    14: "XIV",
    40: "XL",
    90: "XC",
    400: "CD",
    944: "CMXLIV",
    1994: "MCMXCIV",
    2024: "MMXXIV",
    3999: "MMMCMXCIX",
}


@pytest.mark.parametrize("number,numeral", sorted(KNOWN.items()))
def test_known_values(number, numeral):
    assert to_roman(number) == numeral
    assert from_roman(numeral) == number


def test_round_trip_all():
    for n in range(1, 4000):
        assert from_roman(to_roman(n)) == n


@pytest.mark.parametrize("bad", [0, -5, 4000, 10000])
def test_out_of_range(bad):
    with pytest.raises(ValueError):
        to_roman(bad)


def test_non_integer():
    with pytest.raises(TypeError):
        to_roman("12")
    with pytest.raises(TypeError):
        to_roman(1.5)


@pytest.mark.parametrize("bad", ["", "IIII", "IC", "VX", "MMMM", "ABC", "XIVV", "IIV"])
def test_invalid_numerals(bad):
    with pytest.raises(ValueError):
        from_roman(bad)


def test_lowercase_accepted():
    assert from_roman("xiv") == 14
