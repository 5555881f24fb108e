import pytest

from blog.api import create_app


@pytest.fixture()
def db_url(tmp_path):
    return "sqlite:///" + str(tmp_path / "blog.db")


@pytest.fixture()
def client(db_url):
    app = create_app(db_url)
    app.config["TESTING"] = True
    return app.test_client()


def create(client, title="Hello", body="First post", tags=None):
    payload = {"title": title, "body": body}
    if tags is not None:
        payload["tags"] = tags
    response = client.post("/posts", json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_create_post_normalises_tags(client):
    post = create(client, tags=["Python", " flask ", "python", "SQL"])
    assert post["title"] == "Hello" and post["body"] == "First post"
    assert post["tags"] == ["flask", "python", "sql"]
    assert isinstance(post["id"], int)
    assert create(client, title="No tags")["tags"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "no title"},
        {"title": "   ", "body": "blank title"},
        {"title": "x" * 201, "body": "long title"},
        {"title": "No body"},
        {"title": "T", "body": "B", "tags": "python"},
        {"title": "T", "body": "B", "tags": ["ok", "  "]},
        {"title": "T", "body": "B", "tags": [1, 2]},
    ],
)
def test_create_post_validation(client, payload):
    response = client.post("/posts", json=payload)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_non_json_body(client):
    assert client.post("/posts", data="title=x", content_type="application/x-www-form-urlencoded").status_code == 400


def test_get_post_with_comments(client):
    post = create(client)
    first = client.post(f"/posts/{post['id']}/comments", json={"author": "ada", "body": "Nice!"})
    assert first.status_code == 201
    assert first.get_json()["author"] == "ada" and first.get_json()["body"] == "Nice!"
    client.post(f"/posts/{post['id']}/comments", json={"author": "bob", "body": "Agreed"})
    response = client.get(f"/posts/{post['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Hello" and body["tags"] == []
    assert [(c["author"], c["body"]) for c in body["comments"]] == [("ada", "Nice!"), ("bob", "Agreed")]
    assert all("id" in c for c in body["comments"])


def test_comment_errors(client):
    post = create(client)
    assert client.post(f"/posts/{post['id']}/comments", json={"author": "", "body": "x"}).status_code == 400
    assert client.post(f"/posts/{post['id']}/comments", json={"author": "ada", "body": "  "}).status_code == 400
    assert client.post("/posts/999/comments", json={"author": "ada", "body": "x"}).status_code == 404
    assert client.get("/posts/999").status_code == 404


def test_list_pagination_newest_first(client):
    ids = [create(client, title=f"Post {i}")["id"] for i in range(1, 26)]
    first = client.get("/posts").get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 10, 25)
    assert [p["id"] for p in first["items"]] == list(reversed(ids))[:10]
    assert "comments" not in first["items"][0]
    third = client.get("/posts?page=3&per_page=10").get_json()
    assert [p["title"] for p in third["items"]] == [f"Post {i}" for i in range(5, 0, -1)]
    beyond = client.get("/posts?page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 25
    small = client.get("/posts?per_page=2&page=2").get_json()
    assert [p["title"] for p in small["items"]] == ["Post 23", "Post 22"]


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "per_page=0", "per_page=101", "per_page=x"])
def test_list_invalid_paging(client, query):
    assert client.get("/posts?" + query).status_code == 400


def test_filter_by_tag(client):
    create(client, title="A", tags=["python"])
    create(client, title="B", tags=["rust"])
    create(client, title="C", tags=["Python", "web"])
    result = client.get("/posts?tag=PYTHON").get_json()
    assert result["total"] == 2
    assert [p["title"] for p in result["items"]] == ["C", "A"]
    assert client.get("/posts?tag=nothing").get_json() == {"items": [], "page": 1, "per_page": 10, "total": 0}


def test_delete_post(client):
    post = create(client)
    client.post(f"/posts/{post['id']}/comments", json={"author": "ada", "body": "x"})
    assert client.delete(f"/posts/{post['id']}").status_code == 204
    assert client.get(f"/posts/{post['id']}").status_code == 404
    assert client.delete(f"/posts/{post['id']}").status_code == 404
    assert client.get("/posts").get_json()["total"] == 0


def test_persists_across_apps(db_url):
    first = create_app(db_url).test_client()
    post = create(first, title="Persistent", tags=["keep"])
    second = create_app(db_url).test_client()
    assert second.get(f"/posts/{post['id']}").get_json()["tags"] == ["keep"]
