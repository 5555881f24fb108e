"""JSON API over the library service."""
from datetime import date

from flask import Flask, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from library.db import init_db, make_engine
from library.errors import LibraryError, NotFoundError
from library.models import Book
from library.services import LibraryService


def book_json(service, book):
    return {
        "id": book.id,
        "title": book.title,
        "author": book.author,
        "isbn": book.isbn,
        "copies": book.copies,
        "available": service.available_copies(book.id),
    }


def loan_json(loan):
    return {
        "id": loan.id,
        "book_id": loan.book_id,
        "member_id": loan.member_id,
        "loaned_on": loan.loaned_on.isoformat(),
        "due_on": loan.due_on.isoformat(),
        "returned_on": loan.returned_on.isoformat() if loan.returned_on else None,
        "fine_cents": loan.fine_cents,
    }


def create_app(database_url):
    engine = make_engine(database_url)
    init_db(engine)
    app = Flask(__name__)

    def body():
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    def day_from(data):
        raw = data.get("date")
        return date.fromisoformat(raw) if raw else date.today()

    def run(action):
        with Session(engine, expire_on_commit=False) as session:
            service = LibraryService(session)
            try:
                return action(service)
            except NotFoundError as error:
                return jsonify({"error": str(error)}), 404
            except LibraryError as error:
                return jsonify({"error": str(error)}), 409
            except IntegrityError:
                return jsonify({"error": "already exists"}), 409
            except (ValueError, TypeError) as error:
                return jsonify({"error": str(error) or "invalid input"}), 400

    @app.post("/books")
    def add_book():
        data = body()
        return run(lambda s: (jsonify(book_json(s, s.add_book(data.get("title"), data.get("author"), data.get("isbn"), data.get("copies", 1)))), 201))

    @app.get("/books/<int:book_id>")
    def get_book(book_id):
        def action(s):
            book = s.session.get(Book, book_id)
            if book is None:
                raise NotFoundError(f"Book {book_id} not found")
            return jsonify(book_json(s, book))

        return run(action)

    @app.post("/members")
    def add_member():
        data = body()

        def action(s):
            member = s.add_member(data.get("name"), data.get("email"))
            return jsonify({"id": member.id, "name": member.name, "email": member.email}), 201

        return run(action)

    @app.post("/loans")
    def checkout():
        data = body()
        return run(lambda s: (jsonify(loan_json(s.checkout(data.get("member_id"), data.get("book_id"), day_from(data)))), 201))

    @app.post("/loans/<int:loan_id>/return")
    def return_book(loan_id):
        data = body()
        return run(lambda s: jsonify(loan_json(s.return_book(loan_id, day_from(data)))))

    @app.get("/members/<int:member_id>/loans")
    def member_loans(member_id):
        return run(lambda s: jsonify([loan_json(loan) for loan in s.active_loans(member_id)]))

    return app


def test_api_flow():
    client = create_app("sqlite://").test_client()
    book = client.post("/books", json={"title": "T", "author": "A", "isbn": "1", "copies": 1}).get_json()
    member = client.post("/members", json={"name": "M", "email": "m@x.io"}).get_json()
    loan = client.post("/loans", json={"member_id": member["id"], "book_id": book["id"], "date": "2024-01-01"})
    assert loan.status_code == 201 and loan.get_json()["due_on"] == "2024-01-15"
    assert client.post("/loans", json={"member_id": member["id"], "book_id": book["id"]}).status_code == 409
    returned = client.post(f"/loans/{loan.get_json()['id']}/return", json={"date": "2024-01-16"})
    assert returned.get_json()["fine_cents"] == 25
    assert client.get("/books/42").status_code == 404
