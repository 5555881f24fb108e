"""Small string helpers."""
import re


def reverse_words(text):
    return " ".join(reversed(text.split()))


def is_palindrome(text):
    chars = [c.lower() for c in text if c.isalnum()]
    return chars == chars[::-1]


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def truncate(text, length, suffix="..."):
    if length < len(suffix):
        raise ValueError("length must be at least the length of the suffix")
    if len(text) <= length:
        return text
    return text[: length - len(suffix)] + suffix


def test_reverse_and_palindrome():
    assert reverse_words(" a  b c ") == "c b a"
    assert is_palindrome("Was it a car or a cat I saw?")
    assert not is_palindrome("abc")


def test_slugify_and_truncate():
    assert slugify("Hello, World!") == "hello-world"
    assert truncate("Hello world", 8) == "Hello..."
    assert truncate("Hi", 8) == "Hi"
    import pytest

    with pytest.raises(ValueError):
        truncate("Hello", 1)
