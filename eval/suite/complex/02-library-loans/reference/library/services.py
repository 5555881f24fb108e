"""Business rules for lending books."""
from datetime import timedelta

from sqlalchemy import func, select

from library.errors import AlreadyReturnedError, BookUnavailableError, LoanLimitError, NotFoundError
from library.models import Book, Loan, Member

LOAN_DAYS = 14
MAX_ACTIVE_LOANS = 3
FINE_PER_DAY_CENTS = 25


class LibraryService:
    def __init__(self, session):
        self.session = session

    def _get(self, model, item_id):
        item = self.session.get(model, item_id)
        if item is None:
            raise NotFoundError(f"{model.__name__} {item_id} not found")
        return item

    def add_book(self, title, author, isbn, copies=1):
        if not isinstance(title, str) or not title.strip() or not isinstance(author, str) or not author.strip():
            raise ValueError("title and author are required")
        if not isinstance(isbn, str) or not isbn.strip():
            raise ValueError("isbn is required")
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError("copies must be a positive integer")
        book = Book(title=title.strip(), author=author.strip(), isbn=isbn.strip(), copies=copies)
        self.session.add(book)
        self._commit()
        return book

    def add_member(self, name, email):
        if not isinstance(name, str) or not name.strip() or not isinstance(email, str) or "@" not in email:
            raise ValueError("name and a valid email are required")
        member = Member(name=name.strip(), email=email.strip())
        self.session.add(member)
        self._commit()
        return member

    def _commit(self):
        try:
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise

    def _active_count(self, column, value):
        query = select(func.count(Loan.id)).where(column == value, Loan.returned_on.is_(None))
        return self.session.execute(query).scalar_one()

    def available_copies(self, book_id):
        book = self._get(Book, book_id)
        return book.copies - self._active_count(Loan.book_id, book_id)

    def active_loans(self, member_id):
        self._get(Member, member_id)
        query = select(Loan).where(Loan.member_id == member_id, Loan.returned_on.is_(None)).order_by(Loan.id)
        return list(self.session.execute(query).scalars())

    def checkout(self, member_id, book_id, today):
        member = self._get(Member, member_id)
        book = self._get(Book, book_id)
        if self._active_count(Loan.member_id, member.id) >= MAX_ACTIVE_LOANS:
            raise LoanLimitError(f"member {member.id} already has {MAX_ACTIVE_LOANS} loans")
        if self.available_copies(book.id) < 1:
            raise BookUnavailableError(f"no copy of book {book.id} is available")
        loan = Loan(book_id=book.id, member_id=member.id, loaned_on=today, due_on=today + timedelta(days=LOAN_DAYS), fine_cents=0)
        self.session.add(loan)
        self._commit()
        return loan

    def return_book(self, loan_id, today):
        loan = self._get(Loan, loan_id)
        if loan.returned_on is not None:
            raise AlreadyReturnedError(f"loan {loan_id} was already returned")
        loan.returned_on = today
        loan.fine_cents = max(0, (today - loan.due_on).days) * FINE_PER_DAY_CENTS
        self._commit()
        return loan


def test_service_rules():
    from datetime import date

    import pytest
    from sqlalchemy.orm import Session

    from library.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    service = LibraryService(Session(engine))
    book = service.add_book("T", "A", "1")
    member = service.add_member("M", "m@x.io")
    loan = service.checkout(member.id, book.id, date(2024, 1, 1))
    assert loan.due_on == date(2024, 1, 15)
    with pytest.raises(BookUnavailableError):
        service.checkout(member.id, book.id, date(2024, 1, 1))
    assert service.return_book(loan.id, date(2024, 1, 17)).fine_cents == 50
    with pytest.raises(AlreadyReturnedError):
        service.return_book(loan.id, date(2024, 1, 18))
    with pytest.raises(NotFoundError):
        service.checkout(99, book.id, date(2024, 1, 1))
