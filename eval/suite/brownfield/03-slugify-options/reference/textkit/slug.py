"""URL slugs from titles."""
import re
import unicodedata


def _ascii(text: str) -> str:
    """Accents dropped (é -> e), anything else outside ASCII removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str, separator: str = "-", max_length: int | None = None) -> str:
    """Lower-case ASCII words joined by `separator`, cut between words to at most `max_length`."""
    if not separator:
        raise ValueError("separator must not be empty")
    if max_length is not None and max_length < 1:
        raise ValueError("max_length must be at least 1")
    words = re.findall(r"[a-z0-9]+", _ascii(text).lower())
    if max_length is None:
        return separator.join(words)
    if not words:
        return ""
    slug = words[0][:max_length]
    for word in words[1:]:
        longer = slug + separator + word
        if len(longer) > max_length:
            break
        slug = longer
    return slug


def test_options():
    assert slugify("Hello World") == "hello-world"
    assert slugify("Hello World", separator="_") == "hello_world"
    assert slugify("The quick brown fox", max_length=12) == "the-quick"
    assert slugify("Extraordinary", max_length=5) == "extra"
