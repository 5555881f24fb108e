"""URL slugs from titles."""
import re
import unicodedata


def _ascii(text: str) -> str:
    """Accents dropped (é -> e), anything else outside ASCII removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by "-": "Hello, World!" -> "hello-world"."""
    words = re.findall(r"[a-z0-9]+", _ascii(text).lower())
    return "-".join(words)
