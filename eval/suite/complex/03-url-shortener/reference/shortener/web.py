"""HTTP interface of the URL shortener."""
from flask import Flask, jsonify, redirect, request

from shortener.store import CodeTakenError, UrlStore


def create_app(db_path):
    store = UrlStore(db_path)
    app = Flask(__name__)

    @app.post("/shorten")
    def shorten():
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or "url" not in data:
            return jsonify({"error": "send a JSON object with a 'url'"}), 400
        try:
            code = store.create(data["url"], data.get("code"))
        except CodeTakenError:
            return jsonify({"error": "that code is already taken"}), 409
        except ValueError as error:
            return jsonify({"error": str(error)}), 400
        return jsonify({"code": code, "url": store.resolve(code), "short_url": request.host_url + code}), 201

    @app.get("/stats/<code>")
    def stats(code):
        try:
            return jsonify(store.stats(code))
        except KeyError:
            return jsonify({"error": "unknown code"}), 404

    @app.get("/<code>")
    def follow(code):
        try:
            url = store.resolve(code)
        except KeyError:
            return jsonify({"error": "unknown code"}), 404
        store.record_hit(code)
        return redirect(url, code=302)

    return app


def test_web(tmp_path):
    client = create_app(str(tmp_path / "w.db")).test_client()
    body = client.post("/shorten", json={"url": "https://example.com"}).get_json()
    response = client.get("/" + body["code"])
    assert response.status_code == 302 and response.headers["Location"] == "https://example.com"
    assert client.get("/stats/" + body["code"]).get_json()["hits"] == 1
    assert client.get("/nope").status_code == 404
