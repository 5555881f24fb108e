"""Persistent storage of short codes in SQLite."""
import sqlite3
from contextlib import closing

from shortener.codes import encode_base62, is_valid_custom_code
from shortener.urls import normalize_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    generated INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0
)
"""


class CodeTakenError(Exception):
    pass


class UrlStore:
    def __init__(self, db_path):
        self.db_path = db_path
        with closing(self._connect()) as connection, connection:
            connection.execute(_SCHEMA)

    def _connect(self):
        return sqlite3.connect(self.db_path)

    def create(self, url, code=None):
        url = normalize_url(url)
        with closing(self._connect()) as connection, connection:
            if code is not None:
                if not is_valid_custom_code(code):
                    raise ValueError(f"invalid custom code: {code!r}")
                try:
                    connection.execute("INSERT INTO links (code, url, generated) VALUES (?, ?, 0)", (code, url))
                except sqlite3.IntegrityError:
                    raise CodeTakenError(code) from None
                return code
            row = connection.execute("SELECT code FROM links WHERE url = ? AND generated = 1", (url,)).fetchone()
            if row:
                return row[0]
            counter = connection.execute("SELECT COUNT(*) FROM links").fetchone()[0] + 1000
            while True:
                candidate = encode_base62(counter)
                if not connection.execute("SELECT 1 FROM links WHERE code = ?", (candidate,)).fetchone():
                    connection.execute("INSERT INTO links (code, url, generated) VALUES (?, ?, 1)", (candidate, url))
                    return candidate
                counter += 1

    def _row(self, code):
        with closing(self._connect()) as connection:
            row = connection.execute("SELECT code, url, hits FROM links WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise KeyError(code)
        return row

    def resolve(self, code):
        return self._row(code)[1]

    def record_hit(self, code):
        with closing(self._connect()) as connection, connection:
            updated = connection.execute("UPDATE links SET hits = hits + 1 WHERE code = ?", (code,)).rowcount
        if not updated:
            raise KeyError(code)

    def stats(self, code):
        code, url, hits = self._row(code)
        return {"code": code, "url": url, "hits": hits}


def test_store(tmp_path):
    import pytest

    path = str(tmp_path / "s.db")
    store = UrlStore(path)
    code = store.create("https://example.com")
    assert store.create("https://EXAMPLE.com") == code
    assert store.create("https://x.io", code="mine") == "mine"
    with pytest.raises(CodeTakenError):
        store.create("https://y.io", code="mine")
    store.record_hit(code)
    assert UrlStore(path).stats(code) == {"code": code, "url": "https://example.com", "hits": 1}
