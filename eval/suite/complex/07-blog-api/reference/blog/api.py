"""The blog's HTTP API."""
from flask import Flask, jsonify, request
from sqlalchemy.orm import Session

from blog.db import init_db, make_engine
from blog.repository import BlogRepository
from blog.serializers import comment_to_dict, post_to_dict

MAX_TITLE = 200
MAX_PER_PAGE = 100


class BadRequest(Exception):
    pass


def _text(data, field, max_length=None):
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{field} must be a non-empty string")
    value = value.strip()
    if max_length and len(value) > max_length:
        raise BadRequest(f"{field} must be at most {max_length} characters")
    return value


def _tags(data):
    raw = data.get("tags", [])
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise BadRequest("tags must be a list of non-empty strings")
    return sorted({t.strip().lower() for t in raw})


def _positive_int(name, default, maximum=None):
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None
    if value < 1 or (maximum and value > maximum):
        raise BadRequest(f"{name} is out of range")
    return value


def create_app(database_url):
    engine = make_engine(database_url)
    init_db(engine)
    app = Flask(__name__)

    def json_body():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest("expected a JSON object")
        return data

    @app.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify({"error": str(error)}), 400

    def not_found():
        return jsonify({"error": "post not found"}), 404

    @app.post("/posts")
    def create_post():
        data = json_body()
        title, body, tags = _text(data, "title", MAX_TITLE), _text(data, "body"), _tags(data)
        with Session(engine) as session:
            post = BlogRepository(session).create_post(title, body, tags)
            return jsonify(post_to_dict(post)), 201

    @app.get("/posts")
    def list_posts():
        page = _positive_int("page", 1)
        per_page = _positive_int("per_page", 10, MAX_PER_PAGE)
        tag = request.args.get("tag")
        with Session(engine) as session:
            posts, total = BlogRepository(session).list_posts(page, per_page, tag.strip().lower() if tag else None)
            return jsonify({"items": [post_to_dict(p) for p in posts], "page": page, "per_page": per_page, "total": total})

    @app.get("/posts/<int:post_id>")
    def get_post(post_id):
        with Session(engine) as session:
            post = BlogRepository(session).get_post(post_id)
            if post is None:
                return not_found()
            return jsonify(post_to_dict(post, include_comments=True))

    @app.post("/posts/<int:post_id>/comments")
    def add_comment(post_id):
        data = json_body()
        author, body = _text(data, "author", 100), _text(data, "body")
        with Session(engine) as session:
            comment = BlogRepository(session).add_comment(post_id, author, body)
            if comment is None:
                return not_found()
            return jsonify(comment_to_dict(comment)), 201

    @app.delete("/posts/<int:post_id>")
    def delete_post(post_id):
        with Session(engine) as session:
            if not BlogRepository(session).delete_post(post_id):
                return not_found()
            return "", 204

    return app


def test_api():
    client = create_app("sqlite://").test_client()
    post = client.post("/posts", json={"title": "T", "body": "B", "tags": ["Py"]}).get_json()
    assert post["tags"] == ["py"]
    assert client.post(f"/posts/{post['id']}/comments", json={"author": "a", "body": "c"}).status_code == 201
    assert len(client.get(f"/posts/{post['id']}").get_json()["comments"]) == 1
    assert client.get("/posts?tag=PY").get_json()["total"] == 1
    assert client.get("/posts?page=0").status_code == 400
    assert client.delete(f"/posts/{post['id']}").status_code == 204
