"""URL validation and normalisation."""
from urllib.parse import urlsplit, urlunsplit


def normalize_url(url):
    if not isinstance(url, str):
        raise ValueError("url must be a string")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return urlunsplit((scheme, parts.netloc.lower(), parts.path, parts.query, parts.fragment))


def test_normalize():
    import pytest

    assert normalize_url(" HTTP://A.com/X ") == "http://a.com/X"
    with pytest.raises(ValueError):
        normalize_url("mailto:x@y.z")
