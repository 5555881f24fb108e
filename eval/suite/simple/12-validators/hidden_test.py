import pytest

from validators import is_valid_email, is_valid_isbn, is_valid_isbn10, is_valid_isbn13


@pytest.mark.parametrize(
    "address",
    [
        "user@example.com",
        "first.last@example.co.uk",
        "user+tag@sub.domain.org",
        "a_b%c-d@my-host.io",
        "X@Y.ZZ",
    ],
)
def test_valid_emails(address):
    assert is_valid_email(address) is True


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plainaddress",
        "@example.com",
        "user@",
        "user@@example.com",
        "us er@example.com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "user@localhost",
        "user@-example.com",
        "user@example-.com",
        "user@example..com",
        "user@example.c",
        "user@example.c0m",
        "user@exa_mple.com",
        "user@example.com ",
    ],
)
def test_invalid_emails(address):
    assert is_valid_email(address) is False


@pytest.mark.parametrize("isbn", ["0306406152", "0-306-40615-2", "080442957X", "0-8044-2957-x", "0 306 40615 2"])
def test_valid_isbn10(isbn):
    assert is_valid_isbn10(isbn) is True
    assert is_valid_isbn(isbn) is True


@pytest.mark.parametrize("isbn", ["0306406153", "030640615", "03064061521", "X306406152", "03064O6152", ""])
def test_invalid_isbn10(isbn):
    assert is_valid_isbn10(isbn) is False


@pytest.mark.parametrize("isbn", ["9780306406157", "978-0-306-40615-7", "978 1 86197 876 9"])
def test_valid_isbn13(isbn):
    assert is_valid_isbn13(isbn) is True
    assert is_valid_isbn(isbn) is True


@pytest.mark.parametrize("isbn", ["9780306406158", "978030640615", "978030640615X", "abcdefghijklm"])
def test_invalid_isbn13(isbn):
    assert is_valid_isbn13(isbn) is False


def test_isbn_kinds_do_not_mix():
    assert is_valid_isbn13("0306406152") is False
    assert is_valid_isbn10("9780306406157") is False
    assert is_valid_isbn("9780306406158") is False
    assert is_valid_isbn("not an isbn") is False
