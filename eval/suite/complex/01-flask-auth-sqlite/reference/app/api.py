"""The notes API: registration, token login and per-user notes."""
import re
from functools import wraps

from flask import Flask, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Base, make_engine
from app.models import Note, Token, User
from app.security import generate_token, hash_password, verify_password

USERNAME = re.compile(r"[A-Za-z0-9_]{3,30}")
MIN_PASSWORD = 8


def error(message, status):
    return jsonify({"error": message}), status


def create_app(database_url):
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    app = Flask(__name__)

    def credentials():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return None, None
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return None, None
        return username, password

    def require_token(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme != "Bearer" or not token.strip():
                return error("missing bearer token", 401)
            with Session(engine, expire_on_commit=False) as session:
                record = session.get(Token, token.strip())
                if record is None:
                    return error("invalid token", 401)
                g.session = session
                g.user = session.get(User, record.user_id)
                g.token = record
                return view(*args, **kwargs)

        return wrapper

    @app.post("/register")
    def register():
        username, password = credentials()
        if username is None or not USERNAME.fullmatch(username):
            return error("username must be 3-30 letters, digits or underscores", 400)
        if len(password) < MIN_PASSWORD:
            return error(f"password must be at least {MIN_PASSWORD} characters", 400)
        with Session(engine) as session:
            user = User(username=username, password_hash=hash_password(password))
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                return error("username already taken", 409)
            return jsonify({"id": user.id, "username": user.username}), 201

    @app.post("/login")
    def login():
        username, password = credentials()
        if username is None:
            return error("username and password are required", 400)
        with Session(engine) as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None or not verify_password(password, user.password_hash):
                return error("invalid username or password", 401)
            token = Token(token=generate_token(), user_id=user.id)
            session.add(token)
            session.commit()
            return jsonify({"token": token.token})

    @app.get("/me")
    @require_token
    def me():
        return jsonify({"id": g.user.id, "username": g.user.username})

    @app.post("/notes")
    @require_token
    def create_note():
        data = request.get_json(silent=True)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip():
            return error("text must be a non-empty string", 400)
        note = Note(user_id=g.user.id, text=text)
        g.session.add(note)
        g.session.commit()
        return jsonify({"id": note.id, "text": note.text}), 201

    @app.get("/notes")
    @require_token
    def list_notes():
        notes = g.session.execute(select(Note).where(Note.user_id == g.user.id).order_by(Note.id)).scalars().all()
        return jsonify([{"id": n.id, "text": n.text} for n in notes])

    @app.post("/logout")
    @require_token
    def logout():
        g.session.delete(g.token)
        g.session.commit()
        return "", 204

    return app


def test_flow():
    client = create_app("sqlite://").test_client()
    assert client.post("/register", json={"username": "ada", "password": "password1"}).status_code == 201
    assert client.post("/register", json={"username": "ada", "password": "password1"}).status_code == 409
    token = client.post("/login", json={"username": "ada", "password": "password1"}).get_json()["token"]
    headers = {"Authorization": "Bearer " + token}
    assert client.get("/me", headers=headers).get_json()["username"] == "ada"
    assert client.post("/notes", json={"text": "n"}, headers=headers).status_code == 201
    assert len(client.get("/notes", headers=headers).get_json()) == 1
    assert client.post("/logout", headers=headers).status_code == 204
    assert client.get("/me", headers=headers).status_code == 401
    assert client.get("/me").status_code == 401
