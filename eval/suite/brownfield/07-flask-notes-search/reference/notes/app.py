"""A notes API: create, list, read, search and delete notes kept in memory."""
from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)
    notes: dict[int, dict] = {}
    next_id = [1]

    @app.post("/notes")
    def create_note():
        data = request.get_json(silent=True) or {}
        title = str(data.get("title", "")).strip()
        if not title:
            return jsonify(error="title is required"), 400
        note = {"id": next_id[0], "title": title, "body": str(data.get("body", ""))}
        notes[note["id"]] = note
        next_id[0] += 1
        return jsonify(note), 201

    @app.get("/notes")
    def list_notes():
        return jsonify(notes=[notes[i] for i in sorted(notes)])

    @app.get("/notes/search")
    def search_notes():
        text = request.args.get("q", "").strip().lower()
        if not text:
            return jsonify(error="q is required"), 400
        found = [
            notes[i] for i in sorted(notes) if text in notes[i]["title"].lower() or text in notes[i]["body"].lower()
        ]
        return jsonify(notes=found)

    @app.get("/notes/<int:note_id>")
    def get_note(note_id: int):
        if note_id not in notes:
            return jsonify(error="not found"), 404
        return jsonify(notes[note_id])

    @app.delete("/notes/<int:note_id>")
    def delete_note(note_id: int):
        if note_id not in notes:
            return jsonify(error="not found"), 404
        del notes[note_id]
        return "", 204

    return app


def test_search_and_delete():
    c = create_app().test_client()
    c.post("/notes", json={"title": "Milk", "body": ""})
    assert c.get("/notes/search?q=milk").get_json()["notes"][0]["id"] == 1
    assert c.get("/notes/search").status_code == 400
    assert c.delete("/notes/1").status_code == 204
    assert c.delete("/notes/1").status_code == 404
