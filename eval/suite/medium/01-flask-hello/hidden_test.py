import pytest

from app import create_app
from greetings import greet


@pytest.fixture()
def client():
    app = create_app()
    app.config["TESTING"] = True
    return app.test_client()


def test_greet_function():
    assert greet() == "Hello, World!"
    assert greet("Ada") == "Hello, Ada!"
    assert greet("  Grace  ") == "Hello, Grace!"
    assert greet("   ") == "Hello, World!"
    assert greet("") == "Hello, World!"


def test_hello_default(client):
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Hello, World!"}


def test_hello_with_name(client):
    response = client.get("/hello?name=Ada")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Hello, Ada!"}


def test_name_too_long(client):
    response = client.get("/hello", query_string={"name": "x" * 51})
    assert response.status_code == 400
    body = response.get_json()
    assert isinstance(body, dict) and body.get("error")


def test_name_of_fifty_chars_is_fine(client):
    response = client.get("/hello", query_string={"name": "y" * 50})
    assert response.status_code == 200
    assert response.get_json() == {"message": "Hello, " + "y" * 50 + "!"}


def test_post_not_allowed(client):
    assert client.post("/hello").status_code == 405


def test_module_level_app():
    import app as app_module

    response = app_module.app.test_client().get("/hello")
    assert response.status_code == 200
