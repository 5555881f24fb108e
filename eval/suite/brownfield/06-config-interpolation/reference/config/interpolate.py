"""${...} references inside config values: same section, other section, environment."""
import os
import re

_TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}")


def interpolate(config: dict[str, dict[str, str]], env=None) -> dict[str, dict[str, str]]:
    environment = os.environ if env is None else env
    resolved: dict[tuple[str, str], str] = {}

    def value_of(section: str, key: str, stack: tuple) -> str:
        if (section, key) in resolved:
            return resolved[(section, key)]
        if (section, key) in stack:
            raise ValueError(f"reference cycle through {section}.{key}")
        if section not in config or key not in config[section]:
            raise KeyError(f"{section}.{key}")
        raw = config[section][key]

        def replace(match: re.Match) -> str:
            if match.group(0) == "$$":
                return "$"
            name = match.group(1)
            if name.startswith("env:"):
                return environment[name[4:]]
            if "." in name:
                other, _, other_key = name.partition(".")
                return value_of(other, other_key, stack + ((section, key),))
            return value_of(section, name, stack + ((section, key),))

        resolved[(section, key)] = _TOKEN.sub(replace, raw)
        return resolved[(section, key)]

    return {section: {key: value_of(section, key, ()) for key in keys} for section, keys in config.items()}


def test_interpolate():
    config = {"a": {"x": "1", "y": "${x}-${env:Z}"}, "b": {"z": "${a.y}$$"}}
    assert interpolate(config, env={"Z": "2"}) == {"a": {"x": "1", "y": "1-2"}, "b": {"z": "1-2$"}}


def test_cycle_and_missing():
    import pytest

    with pytest.raises(ValueError):
        interpolate({"a": {"x": "${x}"}}, env={})
    with pytest.raises(KeyError):
        interpolate({"a": {"x": "${q}"}}, env={})
