from notes.app import create_app


def seeded():
    c = create_app().test_client()
    c.post("/notes", json={"title": "Shopping", "body": "Milk and eggs"})
    c.post("/notes", json={"title": "Work", "body": "email the MILKMAN"})
    c.post("/notes", json={"title": "Ideas", "body": "a song"})
    return c


def test_search_title_and_body_case_insensitive():
    c = seeded()
    response = c.get("/notes/search?q=milk")
    assert response.status_code == 200
    assert [n["id"] for n in response.get_json()["notes"]] == [1, 2]
    assert [n["title"] for n in c.get("/notes/search?q=IDEA").get_json()["notes"]] == ["Ideas"]
    assert c.get("/notes/search?q=zebra").get_json() == {"notes": []}


def test_search_needs_q():
    c = seeded()
    for url in ("/notes/search", "/notes/search?q=", "/notes/search?q=%20%20"):
        response = c.get(url)
        assert response.status_code == 400
        assert response.get_json() == {"error": "q is required"}


def test_delete():
    c = seeded()
    response = c.delete("/notes/2")
    assert response.status_code == 204
    assert response.data == b""
    assert c.get("/notes/2").status_code == 404
    assert [n["id"] for n in c.get("/notes").get_json()["notes"]] == [1, 3]
    assert [n["id"] for n in c.get("/notes/search?q=milk").get_json()["notes"]] == [1]


def test_delete_unknown():
    c = seeded()
    response = c.delete("/notes/99")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}


def test_ids_not_reused():
    c = seeded()
    c.delete("/notes/3")
    assert c.post("/notes", json={"title": "New"}).get_json()["id"] == 4
