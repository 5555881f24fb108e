"""A minimal Flask API with a single /hello endpoint."""
from flask import Flask, jsonify, request

from greetings import greet

MAX_NAME_LENGTH = 50


def create_app():
    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        name = request.args.get("name")
        if name is not None and len(name.strip()) > MAX_NAME_LENGTH:
            return jsonify({"error": f"name must be at most {MAX_NAME_LENGTH} characters"}), 400
        return jsonify({"message": greet(name)})

    return app


app = create_app()


def test_hello_endpoint():
    client = create_app().test_client()
    assert client.get("/hello").get_json() == {"message": "Hello, World!"}
    assert client.get("/hello?name=Ada").get_json() == {"message": "Hello, Ada!"}
    assert client.get("/hello", query_string={"name": "x" * 51}).status_code == 400
    assert client.post("/hello").status_code == 405
