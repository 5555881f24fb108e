"""A small INI reader: sections of `key = value` lines."""
from config.interpolate import interpolate


def parse(text: str) -> dict[str, dict[str, str]]:
    """Sections by name, each a dict of keys to values (both stripped).

    Blank lines and lines starting with "#" or ";" are skipped. A key before any section, or a line
    that is neither a section header nor `key = value`, raises ValueError naming the line number.
    A repeated key keeps the last value.
    """
    config: dict[str, dict[str, str]] = {}
    section = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if not section:
                raise ValueError(f"line {number}: empty section name")
            config.setdefault(section, {})
            continue
        if "=" not in line:
            raise ValueError(f"line {number}: expected key = value")
        if section is None:
            raise ValueError(f"line {number}: key outside any section")
        key, value = line.split("=", 1)
        key = key.strip()
        if not key:
            raise ValueError(f"line {number}: empty key")
        config[section][key] = value.strip()
    return config


def get(config: dict[str, dict[str, str]], dotted: str, default: str | None = None) -> str | None:
    """config["a"]["b"] for "a.b", else `default`."""
    section, _, key = dotted.partition(".")
    return config.get(section, {}).get(key, default)


def load(text: str, env=None) -> dict[str, dict[str, str]]:
    """parse, then resolve ${...} references (see config.interpolate)."""
    return interpolate(parse(text), env)


def test_load():
    assert load("[a]\nx = 1\ny = ${x}2\n", env={}) == {"a": {"x": "1", "y": "12"}}
    assert parse("[a]\ny = ${x}\n") == {"a": {"y": "${x}"}}
