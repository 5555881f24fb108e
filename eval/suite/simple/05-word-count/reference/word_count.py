"""Word counting."""
import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def word_count(text):
    return dict(Counter(_WORD.findall(text.lower())))


def top_words(text, n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError("n must be a positive integer")
    items = sorted(word_count(text).items(), key=lambda item: (-item[1], item[0]))
    return items[:n]


def test_word_count():
    assert word_count("A a b, don't 'x'") == {"a": 2, "b": 1, "don't": 1, "x": 1}
    assert word_count("") == {}


def test_top_words():
    assert top_words("b a b c", 2) == [("b", 2), ("a", 1)]
    import pytest

    with pytest.raises(ValueError):
        top_words("a", 0)
