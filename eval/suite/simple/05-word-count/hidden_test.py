import pytest

from word_count import top_words, word_count


def test_simple_counts():
    assert word_count("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_case_insensitive_and_punctuation():
    text = "Hello, hello! HELLO? World... world."
    assert word_count(text) == {"hello": 3, "world": 2}


def test_apostrophes_and_hyphens():
    counts = word_count("Don't stop. 'Quoted' words; well-known don't")
    assert counts["don't"] == 2
    assert counts["quoted"] == 1
    assert counts["well"] == 1
    assert counts["known"] == 1
    assert "'quoted'" not in counts


def test_digits_and_newlines():
    assert word_count("route 66\nroute 66\tRoute") == {"route": 3, "66": 2}


def test_empty():
    assert word_count("") == {}
    assert word_count(" ,.;!? ") == {}
    assert top_words("", 3) == []


def test_top_words_order_and_ties():
    text = "b a c b a b d"
    assert top_words(text, 2) == [("b", 3), ("a", 2)]
    assert top_words(text, 4) == [("b", 3), ("a", 2), ("c", 1), ("d", 1)]
    assert top_words(text, 10) == [("b", 3), ("a", 2), ("c", 1), ("d", 1)]


@pytest.mark.parametrize("bad", [0, -1])
def test_top_words_invalid_n(bad):
    with pytest.raises(ValueError):
        top_words("a b c", bad)
