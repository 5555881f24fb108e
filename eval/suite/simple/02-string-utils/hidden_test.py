import pytest

from text_utils import is_palindrome, reverse_words, slugify, truncate


def test_reverse_words():
    assert reverse_words("hello world") == "world hello"
    assert reverse_words("  hello   big world ") == "world big hello"
    assert reverse_words("single") == "single"
    assert reverse_words("") == ""


def test_palindromes():
    assert is_palindrome("racecar")
    assert is_palindrome("A man, a plan, a canal: Panama")
    assert is_palindrome("No 'x' in Nixon")
    assert is_palindrome("")
    assert is_palindrome("12321")


def test_not_palindromes():
    assert not is_palindrome("hello")
    assert not is_palindrome("ab")
    assert not is_palindrome("123 421")


def test_slugify():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("  Python 3.11 -- Release Notes ") == "python-3-11-release-notes"
    assert slugify("already-a-slug") == "already-a-slug"
    assert slugify("!!!") == ""


def test_truncate_short_text_unchanged():
    assert truncate("short", 10) == "short"
    assert truncate("exactly10!", 10) == "exactly10!"


def test_truncate_long_text():
    assert truncate("Hello world", 8) == "Hello..."
    assert len(truncate("a" * 50, 20)) == 20
    assert truncate("Hello world", 7, suffix="~") == "Hello ~"


def test_truncate_length_smaller_than_suffix():
    with pytest.raises(ValueError):
        truncate("Hello world", 2)
