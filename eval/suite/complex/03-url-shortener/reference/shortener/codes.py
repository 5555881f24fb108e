"""Base62 short codes."""
import re

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CUSTOM = re.compile(r"[A-Za-z0-9_-]{3,32}")


def encode_base62(n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("n must be a non-negative integer")
    if n == 0:
        return ALPHABET[0]
    digits = []
    while n:
        n, remainder = divmod(n, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def decode_base62(code):
    if not isinstance(code, str) or not code:
        raise ValueError("code must be a non-empty string")
    value = 0
    for char in code:
        index = ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"invalid base62 character: {char!r}")
        value = value * 62 + index
    return value


def is_valid_custom_code(code):
    return isinstance(code, str) and bool(_CUSTOM.fullmatch(code))


def test_codes():
    assert encode_base62(62) == "10"
    assert decode_base62("ZZ") == 3843
    assert is_valid_custom_code("ab_c") and not is_valid_custom_code("a b")
