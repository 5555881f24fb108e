"""Flask API for users kept in memory."""
from flask import Flask, jsonify, request

from users_api.validation import validate_user


def create_app():
    app = Flask(__name__)
    users = {}

    @app.post("/users")
    def create_user():
        data = request.get_json(silent=True)
        if data is None:
            return jsonify({"errors": ["body: must be a JSON object"]}), 400
        errors = validate_user(data)
        if errors:
            return jsonify({"errors": errors}), 400
        email = data["email"].strip()
        if any(u["email"].lower() == email.lower() for u in users.values()):
            return jsonify({"error": "a user with this email already exists"}), 409
        user = {"id": len(users) + 1, "name": data["name"].strip(), "email": email, "age": data["age"]}
        users[user["id"]] = user
        return jsonify(user), 201

    @app.get("/users/<int:user_id>")
    def get_user(user_id):
        user = users.get(user_id)
        if user is None:
            return jsonify({"error": "user not found"}), 404
        return jsonify(user)

    @app.get("/users")
    def list_users():
        return jsonify([users[key] for key in sorted(users)])

    return app


def test_create_get_list():
    client = create_app().test_client()
    response = client.post("/users", json={"name": "A", "email": "a@b.co", "age": 1})
    assert response.status_code == 201 and response.get_json()["id"] == 1
    assert client.get("/users/1").get_json()["name"] == "A"
    assert client.get("/users/2").status_code == 404
    assert client.post("/users", json={"name": "B", "email": "A@b.co", "age": 2}).status_code == 409
    assert client.post("/users", json={"name": ""}).status_code == 400
    assert len(client.get("/users").get_json()) == 1
