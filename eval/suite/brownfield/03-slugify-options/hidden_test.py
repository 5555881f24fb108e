import pytest

from textkit.slug import slugify


def test_default_unchanged():
    assert slugify("Hello, World!") == "hello-world"


def test_separator():
    assert slugify("Hello World", separator="_") == "hello_world"
    assert slugify("Crème Brûlée au Four", separator=".") == "creme.brulee.au.four"


def test_empty_separator_rejected():
    with pytest.raises(ValueError):
        slugify("Hello", separator="")


def test_max_length_cuts_between_words():
    assert slugify("The quick brown fox", max_length=15) == "the-quick-brown"
    assert slugify("The quick brown fox", max_length=12) == "the-quick"
    assert slugify("The quick brown fox", max_length=100) == "the-quick-brown-fox"


def test_max_length_with_separator():
    assert slugify("one two three", separator="__", max_length=9) == "one__two"


def test_first_word_too_long():
    assert slugify("Extraordinary", max_length=5) == "extra"


def test_bad_max_length():
    with pytest.raises(ValueError):
        slugify("Hello", max_length=0)
