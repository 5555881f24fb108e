import pytest

from shortener.codes import decode_base62, encode_base62, is_valid_custom_code
from shortener.store import CodeTakenError, UrlStore
from shortener.urls import normalize_url
from shortener.web import create_app


def test_base62():
    assert encode_base62(0) == "0"
    assert encode_base62(61) == "Z"
    assert encode_base62(62) == "10"
    assert encode_base62(3843) == "ZZ"
    for n in (0, 1, 10, 61, 62, 12345, 10**12):
        assert decode_base62(encode_base62(n)) == n
    assert decode_base62("a") == 10
    with pytest.raises(ValueError):
        encode_base62(-1)
    with pytest.raises(ValueError):
        decode_base62("ab-c")
    with pytest.raises(ValueError):
        decode_base62("")


def test_custom_code_rules():
    assert is_valid_custom_code("my-link_1")
    assert not is_valid_custom_code("ab")
    assert not is_valid_custom_code("x" * 33)
    assert not is_valid_custom_code("has space")
    assert not is_valid_custom_code("slash/no")


def test_normalize_url():
    assert normalize_url(" HTTPS://Example.COM/Path?q=A ") == "https://example.com/Path?q=A"
    assert normalize_url("http://localhost:8000/x") == "http://localhost:8000/x"
    for bad in ["ftp://example.com", "example.com", "http://", "javascript:alert(1)", ""]:
        with pytest.raises(ValueError):
            normalize_url(bad)


def test_store_create_resolve_and_dedupe(tmp_path):
    store = UrlStore(str(tmp_path / "urls.db"))
    code = store.create("https://example.com/a")
    assert isinstance(code, str) and code
    assert store.resolve(code) == "https://example.com/a"
    assert store.create("https://example.com/a") == code
    other = store.create("https://example.com/b")
    assert other != code
    with pytest.raises(KeyError):
        store.resolve("nope123")


def test_store_custom_codes(tmp_path):
    store = UrlStore(str(tmp_path / "urls.db"))
    assert store.create("https://python.org/docs", code="py-docs") == "py-docs"
    with pytest.raises(CodeTakenError):
        store.create("https://other.org", code="py-docs")
    with pytest.raises(ValueError):
        store.create("https://other.org", code="bad code")
    with pytest.raises(ValueError):
        store.create("not a url")


def test_generated_codes_never_clash_with_custom(tmp_path):
    store = UrlStore(str(tmp_path / "urls.db"))
    taken = set()
    for code in ["000", "001", "abc", "100", "zzz"]:
        store.create(f"https://custom.example/{code}", code=code)
        taken.add(code)
    for i in range(60):
        generated = store.create(f"https://example.com/page/{i}")
        assert generated not in taken
        taken.add(generated)
    assert store.resolve("abc") == "https://custom.example/abc"


def test_store_hits_and_persistence(tmp_path):
    path = str(tmp_path / "urls.db")
    store = UrlStore(path)
    code = store.create("https://example.com/persist")
    store.record_hit(code)
    store.record_hit(code)
    reopened = UrlStore(path)
    assert reopened.resolve(code) == "https://example.com/persist"
    assert reopened.stats(code) == {"code": code, "url": "https://example.com/persist", "hits": 2}
    with pytest.raises(KeyError):
        reopened.stats("missing")


@pytest.fixture()
def client(tmp_path):
    app = create_app(str(tmp_path / "web.db"))
    app.config["TESTING"] = True
    return app.test_client()


def test_web_shorten_and_redirect(client):
    response = client.post("/shorten", json={"url": "https://example.com/docs?page=2"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["url"] == "https://example.com/docs?page=2"
    assert body["short_url"] == "http://localhost/" + body["code"]
    redirect = client.get("/" + body["code"])
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == "https://example.com/docs?page=2"
    client.get("/" + body["code"])
    stats = client.get("/stats/" + body["code"])
    assert stats.status_code == 200
    assert stats.get_json() == {"code": body["code"], "url": "https://example.com/docs?page=2", "hits": 2}


def test_web_custom_code_and_errors(client):
    response = client.post("/shorten", json={"url": "https://flask.palletsprojects.com", "code": "flask"})
    assert response.status_code == 201 and response.get_json()["code"] == "flask"
    assert client.post("/shorten", json={"url": "https://other.org", "code": "flask"}).status_code == 409
    assert client.post("/shorten", json={"url": "https://other.org", "code": "x"}).status_code == 400
    assert client.post("/shorten", json={"url": "ftp://files.org"}).status_code == 400
    assert client.post("/shorten", data="nope", content_type="text/plain").status_code == 400
    missing = client.get("/doesnotexist")
    assert missing.status_code == 404
    assert "error" in missing.get_json()
    assert client.get("/stats/doesnotexist").status_code == 404


def test_web_data_persists(tmp_path):
    path = str(tmp_path / "shared.db")
    first = create_app(path).test_client()
    code = first.post("/shorten", json={"url": "https://example.org"}).get_json()["code"]
    second = create_app(path).test_client()
    assert second.get("/" + code).headers["Location"] == "https://example.org"
    assert UrlStore(path).stats(code)["hits"] == 1
