"""A notes API: create, list and read notes kept in memory."""
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

    @app.get("/notes/<int:note_id>")
    def get_note(note_id: int):
        if note_id not in notes:
            return jsonify(error="not found"), 404
        return jsonify(notes[note_id])

    return app
