import pytest
from sqlalchemy import create_engine, text

from app.api import create_app
from app.security import generate_token, hash_password, verify_password


@pytest.fixture()
def db_url(tmp_path):
    return "sqlite:///" + str(tmp_path / "auth.db")


@pytest.fixture()
def client(db_url):
    app = create_app(db_url)
    app.config["TESTING"] = True
    return app.test_client()


def register(client, username="ada", password="correct horse"):
    return client.post("/register", json={"username": username, "password": password})


def login(client, username="ada", password="correct horse"):
    response = client.post("/login", json={"username": username, "password": password})
    assert response.status_code == 200
    return response.get_json()["token"]


def auth(token):
    return {"Authorization": "Bearer " + token}


def test_security_helpers():
    hashed = hash_password("s3cret-pass")
    assert hashed != "s3cret-pass" and "s3cret-pass" not in hashed
    assert verify_password("s3cret-pass", hashed) is True
    assert verify_password("wrong-pass", hashed) is False
    assert hash_password("s3cret-pass") != hashed
    a, b = generate_token(), generate_token()
    assert isinstance(a, str) and len(a) >= 16 and a != b


def test_register(client):
    response = register(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "ada" and isinstance(body["id"], int)


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ab", "password": "longenough"},
        {"username": "bad name", "password": "longenough"},
        {"username": "x" * 31, "password": "longenough"},
        {"username": "valid_name", "password": "short"},
        {"username": "valid_name"},
        {},
    ],
)
def test_register_validation(client, payload):
    response = client.post("/register", json=payload)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_register_duplicate(client):
    assert register(client).status_code == 201
    response = register(client, password="another password")
    assert response.status_code == 409


def test_password_not_stored_in_plain_text(client, db_url):
    register(client, "grace", "my-password-123")
    engine = create_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users WHERE username = 'grace'")).scalar()
    engine.dispose()
    assert stored and "my-password-123" not in stored


def test_login_and_me(client):
    register(client)
    token = login(client)
    response = client.get("/me", headers=auth(token))
    assert response.status_code == 200
    assert response.get_json()["username"] == "ada"


def test_login_failures(client):
    register(client)
    assert client.post("/login", json={"username": "ada", "password": "wrong password"}).status_code == 401
    assert client.post("/login", json={"username": "nobody", "password": "correct horse"}).status_code == 401
    assert client.post("/login", json={"username": "ada"}).status_code == 400


def test_protected_routes_need_valid_token(client):
    assert client.get("/me").status_code == 401
    assert client.get("/notes").status_code == 401
    assert client.get("/me", headers=auth("not-a-real-token")).status_code == 401
    assert client.get("/me", headers={"Authorization": "Token abc"}).status_code == 401
    assert client.post("/notes", json={"text": "hi"}).status_code == 401


def test_notes_are_per_user(client):
    register(client, "ada")
    register(client, "bob", "bob password")
    ada, bob = login(client, "ada"), login(client, "bob", "bob password")
    first = client.post("/notes", json={"text": "first"}, headers=auth(ada))
    assert first.status_code == 201
    assert first.get_json()["text"] == "first"
    client.post("/notes", json={"text": "second"}, headers=auth(ada))
    client.post("/notes", json={"text": "bob's"}, headers=auth(bob))
    assert [n["text"] for n in client.get("/notes", headers=auth(ada)).get_json()] == ["first", "second"]
    assert [n["text"] for n in client.get("/notes", headers=auth(bob)).get_json()] == ["bob's"]
    assert client.post("/notes", json={"text": "   "}, headers=auth(ada)).status_code == 400


def test_logout_invalidates_token(client):
    register(client)
    token = login(client)
    other = login(client)
    assert client.post("/logout", headers=auth(token)).status_code == 204
    assert client.get("/me", headers=auth(token)).status_code == 401
    assert client.get("/me", headers=auth(other)).status_code == 200


def test_data_persists_across_apps(db_url):
    first = create_app(db_url).test_client()
    assert register(first, "lin", "persistent pw").status_code == 201
    second = create_app(db_url).test_client()
    token = login(second, "lin", "persistent pw")
    assert second.get("/me", headers=auth(token)).get_json()["username"] == "lin"


def test_in_memory_database():
    client = create_app("sqlite://").test_client()
    assert register(client).status_code == 201
    token = login(client)
    assert client.get("/me", headers=auth(token)).status_code == 200
