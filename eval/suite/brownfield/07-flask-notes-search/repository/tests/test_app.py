from notes.app import create_app


def client():
    return create_app().test_client()


def test_create_and_get():
    c = client()
    created = c.post("/notes", json={"title": " Shopping ", "body": "milk"})
    assert created.status_code == 201
    assert created.get_json() == {"id": 1, "title": "Shopping", "body": "milk"}
    assert c.get("/notes/1").get_json()["title"] == "Shopping"


def test_title_required():
    c = client()
    response = c.post("/notes", json={"body": "x"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "title is required"}


def test_list_in_id_order():
    c = client()
    c.post("/notes", json={"title": "a"})
    c.post("/notes", json={"title": "b"})
    assert [n["title"] for n in c.get("/notes").get_json()["notes"]] == ["a", "b"]


def test_unknown_note():
    c = client()
    assert c.get("/notes/9").status_code == 404
