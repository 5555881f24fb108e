from checks.validators import (
    is_adult,
    is_card_number,
    is_email,
    is_hex_color,
    is_iban,
    is_ipv4,
    is_ipv6,
    is_isbn10,
    is_isbn13,
    is_iso_date,
    is_semver,
    is_slug,
    is_url,
    is_username,
    is_uuid,
    password_problems,
)


def test_email():
    assert is_email("ada@example.com")
    assert not is_email("ada@@example.com")
    assert not is_email(".ada@example.com")
    assert not is_email(" ada@example.com")
    assert not is_email(None)


def test_url_and_ips():
    assert is_url("https://example.com:8080/a?b=c")
    assert not is_url("ftp://example.com")
    assert is_ipv4("192.168.0.1")
    assert not is_ipv4("192.168.00.1")
    assert is_ipv6("2001:db8::1")
    assert not is_ipv6("2001::db8::1")


def test_identifiers():
    assert is_uuid("12345678-1234-5678-1234-567812345678")
    assert is_slug("my-first-post")
    assert not is_slug("My-Post")
    assert is_username("ada.l_1")
    assert not is_username("ada..l")
    assert is_semver("1.2.3-rc.1+build.5")
    assert not is_semver("01.2.3")


def test_hex_colors():
    assert is_hex_color("#fff")
    assert is_hex_color("#A0B1C2")
    assert not is_hex_color("fff")
    assert not is_hex_color("#ggg")
    assert not is_hex_color("#12345")


def test_check_digits():
    assert is_card_number("4111 1111 1111 1111")
    assert not is_card_number("4111 1111 1111 1112")
    assert is_isbn10("0-306-40615-2")
    assert is_isbn13("978-0-306-40615-7")
    assert is_iban("GB82 WEST 1234 5698 7654 32")
    assert not is_iban("GB82 WEST 1234 5698 7654 33")


def test_dates():
    assert is_iso_date("2024-02-29")
    assert not is_iso_date("2023-02-29")
    assert is_adult("2000-05-01", "2018-05-01")
    assert not is_adult("2000-05-02", "2018-05-01")


def test_passwords():
    assert password_problems("Correct1Horse") == []
    assert password_problems("short") == [
        "at least 10 characters",
        "an upper-case letter",
        "a digit",
    ]
    assert password_problems("Adalovelace1", username="ada") == ["must not contain the username"]
