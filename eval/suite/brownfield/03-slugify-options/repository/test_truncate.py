import pytest

from textkit.truncate import truncate


def test_short_text_unchanged():
    assert truncate("hello", 10) == "hello"


def test_cut_with_ellipsis():
    assert truncate("hello world", 8) == "hello..."


def test_width_too_small():
    with pytest.raises(ValueError):
        truncate("hello", 2)
