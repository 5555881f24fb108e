import pytest

from config.ini import load, parse
from config.interpolate import interpolate


def test_same_section_and_other_section():
    config = parse("[paths]\nroot = /srv\ndata = ${root}/data\n[app]\nlog = ${paths.data}/app.log\n")
    assert interpolate(config, env={}) == {
        "paths": {"root": "/srv", "data": "/srv/data"},
        "app": {"log": "/srv/data/app.log"},
    }


def test_env_and_dollars():
    config = {"a": {"home": "${env:HOME_DIR}/x", "price": "$5 or $$6"}}
    assert interpolate(config, env={"HOME_DIR": "/home/ada"}) == {"a": {"home": "/home/ada/x", "price": "$5 or $6"}}


def test_input_not_changed():
    config = {"a": {"x": "1", "y": "${x}"}}
    interpolate(config, env={})
    assert config == {"a": {"x": "1", "y": "${x}"}}


def test_missing_references():
    with pytest.raises(KeyError):
        interpolate({"a": {"x": "${nope}"}}, env={})
    with pytest.raises(KeyError):
        interpolate({"a": {"x": "${b.y}"}}, env={})
    with pytest.raises(KeyError):
        interpolate({"a": {"x": "${env:NOT_SET_ANYWHERE}"}}, env={})


def test_cycle():
    with pytest.raises(ValueError):
        interpolate({"a": {"x": "${y}", "y": "${a.x}"}}, env={})


def test_load_and_parse_stays_raw():
    text = "[a]\nx = 1\ny = ${x}${x}\n"
    assert load(text, env={}) == {"a": {"x": "1", "y": "11"}}
    assert parse(text) == {"a": {"x": "1", "y": "${x}${x}"}}


def test_env_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("DELLM_EVAL_COLOUR", "green")
    assert load("[a]\nc = ${env:DELLM_EVAL_COLOUR}\n") == {"a": {"c": "green"}}
