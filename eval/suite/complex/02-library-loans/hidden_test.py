from datetime import date

import pytest
from sqlalchemy.orm import Session

from library.api import create_app
from library.db import init_db, make_engine
from library.errors import (
    AlreadyReturnedError,
    BookUnavailableError,
    LibraryError,
    LoanLimitError,
    NotFoundError,
)
from library.services import LibraryService


@pytest.fixture()
def db_url(tmp_path):
    return "sqlite:///" + str(tmp_path / "library.db")


@pytest.fixture()
def service(db_url):
    engine = make_engine(db_url)
    init_db(engine)
    session = Session(engine)
    yield LibraryService(session)
    session.close()
    engine.dispose()


def test_error_hierarchy():
    for cls in (NotFoundError, BookUnavailableError, LoanLimitError, AlreadyReturnedError):
        assert issubclass(cls, LibraryError)


def test_checkout_and_due_date(service):
    book = service.add_book("Dune", "Frank Herbert", "9780441013593", copies=2)
    member = service.add_member("Ada", "ada@example.com")
    loan = service.checkout(member.id, book.id, date(2024, 3, 1))
    assert loan.due_on == date(2024, 3, 15)
    assert loan.returned_on is None
    assert service.available_copies(book.id) == 1
    assert [l.id for l in service.active_loans(member.id)] == [loan.id]


def test_add_book_validation(service):
    with pytest.raises(ValueError):
        service.add_book("  ", "Someone", "111", copies=1)
    with pytest.raises(ValueError):
        service.add_book("Title", "Someone", "222", copies=0)


def test_unavailable_and_not_found(service):
    book = service.add_book("Emma", "Jane Austen", "9780141439587", copies=1)
    ada = service.add_member("Ada", "ada@example.com")
    bob = service.add_member("Bob", "bob@example.com")
    service.checkout(ada.id, book.id, date(2024, 1, 1))
    with pytest.raises(BookUnavailableError):
        service.checkout(bob.id, book.id, date(2024, 1, 2))
    with pytest.raises(NotFoundError):
        service.checkout(999, book.id, date(2024, 1, 2))
    with pytest.raises(NotFoundError):
        service.checkout(bob.id, 999, date(2024, 1, 2))


def test_loan_limit(service):
    member = service.add_member("Ada", "ada@example.com")
    books = [service.add_book(f"Book {i}", "Author", f"isbn-{i}") for i in range(4)]
    for book in books[:3]:
        service.checkout(member.id, book.id, date(2024, 1, 1))
    with pytest.raises(LoanLimitError):
        service.checkout(member.id, books[3].id, date(2024, 1, 1))


def test_return_with_fine(service):
    book = service.add_book("Emma", "Jane Austen", "9780141439587")
    member = service.add_member("Ada", "ada@example.com")
    on_time = service.checkout(member.id, book.id, date(2024, 1, 1))
    returned = service.return_book(on_time.id, date(2024, 1, 15))
    assert returned.returned_on == date(2024, 1, 15)
    assert returned.fine_cents == 0
    late = service.checkout(member.id, book.id, date(2024, 2, 1))
    assert service.return_book(late.id, date(2024, 2, 25)).fine_cents == 250
    with pytest.raises(AlreadyReturnedError):
        service.return_book(late.id, date(2024, 2, 26))
    with pytest.raises(NotFoundError):
        service.return_book(12345, date(2024, 2, 26))
    assert service.available_copies(book.id) == 1
    assert service.active_loans(member.id) == []


@pytest.fixture()
def client(db_url):
    app = create_app(db_url)
    app.config["TESTING"] = True
    return app.test_client()


def make_book(client, isbn="9780441013593", copies=1):
    response = client.post("/books", json={"title": "Dune", "author": "Frank Herbert", "isbn": isbn, "copies": copies})
    assert response.status_code == 201
    return response.get_json()


def make_member(client, email="ada@example.com"):
    response = client.post("/members", json={"name": "Ada", "email": email})
    assert response.status_code == 201
    return response.get_json()


def test_api_books(client):
    book = make_book(client, copies=2)
    assert book["title"] == "Dune" and book["copies"] == 2 and book["available"] == 2
    assert client.get(f"/books/{book['id']}").get_json() == book
    assert client.get("/books/999").status_code == 404
    assert client.post("/books", json={"title": "Again", "author": "X", "isbn": "9780441013593", "copies": 1}).status_code == 409
    assert client.post("/books", json={"title": "", "author": "X", "isbn": "1", "copies": 1}).status_code == 400
    assert client.post("/books", json={"title": "T", "author": "X", "isbn": "2", "copies": 0}).status_code == 400


def test_api_members(client):
    member = make_member(client)
    assert member["name"] == "Ada" and member["email"] == "ada@example.com" and "id" in member
    assert client.post("/members", json={"name": "Other", "email": "ada@example.com"}).status_code == 409
    assert client.post("/members", json={"name": "No email"}).status_code == 400


def test_api_loan_lifecycle(client):
    book = make_book(client)
    member = make_member(client)
    response = client.post("/loans", json={"member_id": member["id"], "book_id": book["id"], "date": "2024-03-01"})
    assert response.status_code == 201
    loan = response.get_json()
    assert loan["loaned_on"] == "2024-03-01"
    assert loan["due_on"] == "2024-03-15"
    assert loan["returned_on"] is None and loan["fine_cents"] == 0
    assert client.get(f"/books/{book['id']}").get_json()["available"] == 0
    assert [l["id"] for l in client.get(f"/members/{member['id']}/loans").get_json()] == [loan["id"]]

    other = make_member(client, "bob@example.com")
    busy = client.post("/loans", json={"member_id": other["id"], "book_id": book["id"], "date": "2024-03-02"})
    assert busy.status_code == 409

    returned = client.post(f"/loans/{loan['id']}/return", json={"date": "2024-03-18"})
    assert returned.status_code == 200
    assert returned.get_json()["returned_on"] == "2024-03-18"
    assert returned.get_json()["fine_cents"] == 75
    assert client.post(f"/loans/{loan['id']}/return", json={"date": "2024-03-19"}).status_code == 409
    assert client.get(f"/members/{member['id']}/loans").get_json() == []


def test_api_not_found_and_limits(client):
    member = make_member(client)
    book = make_book(client)
    assert client.post("/loans", json={"member_id": 999, "book_id": book["id"]}).status_code == 404
    assert client.post("/loans", json={"member_id": member["id"], "book_id": 999}).status_code == 404
    assert client.post("/loans/999/return", json={}).status_code == 404
    assert client.get("/members/999/loans").status_code == 404
    for i in range(3):
        extra = make_book(client, isbn=f"extra-{i}")
        assert client.post("/loans", json={"member_id": member["id"], "book_id": extra["id"]}).status_code == 201
    assert client.post("/loans", json={"member_id": member["id"], "book_id": book["id"]}).status_code == 409


def test_api_default_date_is_today(client):
    book = make_book(client)
    member = make_member(client)
    loan = client.post("/loans", json={"member_id": member["id"], "book_id": book["id"]}).get_json()
    assert loan["loaned_on"] == date.today().isoformat()
