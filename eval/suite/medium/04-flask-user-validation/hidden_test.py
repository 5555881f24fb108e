import pytest

from users_api.app import create_app
from users_api.validation import validate_user

VALID = {"name": "Ada Lovelace", "email": "ada@example.com", "age": 36}


@pytest.fixture()
def client():
    app = create_app()
    app.config["TESTING"] = True
    return app.test_client()


def test_validate_valid():
    assert validate_user(dict(VALID)) == []
    assert validate_user({**VALID, "extra": "ignored"}) == []
    assert validate_user({**VALID, "age": 0}) == []
    assert validate_user({**VALID, "age": 150}) == []


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 101),
        ("name", 42),
        ("email", "not-an-email"),
        ("email", "a@@b.com"),
        ("email", "@example.com"),
        ("email", "ada@example"),
        ("age", -1),
        ("age", 151),
        ("age", "36"),
        ("age", 36.0),
        ("age", True),
    ],
)
def test_validate_invalid_field(field, value):
    errors = validate_user({**VALID, field: value})
    assert len(errors) >= 1
    assert all(isinstance(e, str) for e in errors)
    assert any(e.startswith(field) for e in errors)


def test_validate_missing_fields_and_non_dict():
    errors = validate_user({})
    for field in ("name", "email", "age"):
        assert any(e.startswith(field) for e in errors)
    assert len(validate_user(["not", "a", "dict"])) == 1


def test_create_and_get_user(client):
    response = client.post("/users", json={**VALID, "name": "  Ada Lovelace "})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "age": 36}
    fetched = client.get("/users/1")
    assert fetched.status_code == 200
    assert fetched.get_json() == body


def test_create_invalid_returns_400(client):
    response = client.post("/users", json={"name": "", "email": "nope", "age": 200})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert isinstance(errors, list) and len(errors) >= 3
    assert client.get("/users").get_json() == []


def test_non_json_body_returns_400(client):
    response = client.post("/users", data="hello", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["errors"]


def test_duplicate_email_returns_409(client):
    assert client.post("/users", json=VALID).status_code == 201
    response = client.post("/users", json={**VALID, "name": "Other", "email": "ADA@example.com"})
    assert response.status_code == 409
    assert "error" in response.get_json()


def test_get_missing_user_returns_404(client):
    response = client.get("/users/42")
    assert response.status_code == 404
    assert response.get_json() == {"error": "user not found"}


def test_list_users_in_order(client):
    client.post("/users", json={"name": "A", "email": "a@x.io", "age": 1})
    client.post("/users", json={"name": "B", "email": "b@x.io", "age": 2})
    users = client.get("/users").get_json()
    assert [(u["id"], u["name"]) for u in users] == [(1, "A"), (2, "B")]


def test_apps_do_not_share_users():
    first = create_app().test_client()
    second = create_app().test_client()
    assert first.post("/users", json=VALID).status_code == 201
    assert second.get("/users").get_json() == []
    assert second.post("/users", json=VALID).get_json()["id"] == 1
