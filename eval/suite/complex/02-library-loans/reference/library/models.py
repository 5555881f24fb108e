"""Books, members and loans."""
from sqlalchemy import Column, Date, ForeignKey, Integer, String

from library.db import Base


class Book(Base):
    __tablename__ = "books"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    author = Column(String(200), nullable=False)
    isbn = Column(String(32), unique=True, nullable=False)
    copies = Column(Integer, nullable=False, default=1)


class Member(Base):
    __tablename__ = "members"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    email = Column(String(200), unique=True, nullable=False)


class Loan(Base):
    __tablename__ = "loans"

    id = Column(Integer, primary_key=True)
    book_id = Column(Integer, ForeignKey("books.id"), nullable=False)
    member_id = Column(Integer, ForeignKey("members.id"), nullable=False)
    loaned_on = Column(Date, nullable=False)
    due_on = Column(Date, nullable=False)
    returned_on = Column(Date, nullable=True)
    fine_cents = Column(Integer, nullable=False, default=0)


def test_models():
    from datetime import date

    from sqlalchemy.orm import Session

    from library.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    with Session(engine) as session:
        book, member = Book(title="T", author="A", isbn="1", copies=1), Member(name="M", email="m@x.io")
        session.add_all([book, member])
        session.flush()
        session.add(Loan(book_id=book.id, member_id=member.id, loaned_on=date(2024, 1, 1), due_on=date(2024, 1, 15)))
        session.commit()
        loan = session.get(Loan, 1)
        assert loan.fine_cents == 0 and loan.returned_on is None
