"""Roman numeral conversion (1..3999, canonical subtractive notation)."""

_VALUES = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"),
    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
    (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]
_SYMBOLS = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(number):
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError("number must be an int")
    if not 1 <= number <= 3999:
        raise ValueError("number must be between 1 and 3999")
    parts = []
    for value, symbol in _VALUES:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


def from_roman(numeral):
    if not isinstance(numeral, str):
        raise TypeError("numeral must be a string")
    text = numeral.upper()
    if not text or any(c not in _SYMBOLS for c in text):
        raise ValueError(f"not a Roman numeral: {numeral!r}")
    total = 0
    for i, c in enumerate(text):
        value = _SYMBOLS[c]
        if i + 1 < len(text) and _SYMBOLS[text[i + 1]] > value:
            total -= value
        else:
            total += value
    if not 1 <= total <= 3999 or to_roman(total) != text:
        raise ValueError(f"not a canonical Roman numeral: {numeral!r}")
    return total


def test_conversions():
    assert to_roman(1994) == "MCMXCIV"
    assert from_roman("MCMXCIV") == 1994
    assert from_roman("iv") == 4


def test_rejects_invalid():
    import pytest

    for bad in ["IIII", "IC", "", "Q"]:
        with pytest.raises(ValueError):
            from_roman(bad)
    with pytest.raises(ValueError):
        to_roman(0)
