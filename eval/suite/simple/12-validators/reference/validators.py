"""Email and ISBN validators that return booleans."""
import re

_LOCAL = re.compile(r"[A-Za-z0-9._%+-]+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_TLD = re.compile(r"[A-Za-z]{2,}")


def is_valid_email(address):
    if not isinstance(address, str) or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    if not _LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return bool(_TLD.fullmatch(labels[-1]))


def _clean(isbn):
    return isbn.replace("-", "").replace(" ", "") if isinstance(isbn, str) else ""


def is_valid_isbn10(isbn):
    s = _clean(isbn)
    if len(s) != 10 or not s[:9].isdigit() or not (s[9].isdigit() or s[9] in "Xx"):
        return False
    digits = [int(c) for c in s[:9]] + [10 if s[9] in "Xx" else int(s[9])]
    return sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0


def is_valid_isbn13(isbn):
    s = _clean(isbn)
    if len(s) != 13 or not s.isdigit():
        return False
    return sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(s)) % 10 == 0


def is_valid_isbn(isbn):
    return is_valid_isbn10(isbn) or is_valid_isbn13(isbn)


def test_email():
    assert is_valid_email("first.last@example.co.uk")
    assert not is_valid_email("us..er@example.com")
    assert not is_valid_email("user@localhost")


def test_isbn():
    assert is_valid_isbn10("0-306-40615-2")
    assert is_valid_isbn10("080442957X")
    assert is_valid_isbn13("978-0-306-40615-7")
    assert not is_valid_isbn("9780306406158")
