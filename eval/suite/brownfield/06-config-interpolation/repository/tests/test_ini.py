import pytest

from config.ini import get, parse


def test_sections_and_keys():
    config = parse("[db]\nhost = localhost\nport=5432\n\n[app]\nname = demo\n")
    assert config == {"db": {"host": "localhost", "port": "5432"}, "app": {"name": "demo"}}


def test_comments_and_last_value_wins():
    assert parse("# hi\n[a]\n; note\nx = 1\nx = 2\n") == {"a": {"x": "2"}}


def test_errors_name_the_line():
    with pytest.raises(ValueError, match="line 1"):
        parse("x = 1\n")
    with pytest.raises(ValueError, match="line 2"):
        parse("[a]\nnonsense\n")


def test_value_may_hold_equals_and_dollars():
    assert parse("[a]\nurl = http://x/?a=b\nprice = $5\n") == {"a": {"url": "http://x/?a=b", "price": "$5"}}


def test_get():
    config = parse("[a]\nx = 1\n")
    assert get(config, "a.x") == "1"
    assert get(config, "a.y", "none") == "none"
