"""Users, their login tokens and their notes."""
from sqlalchemy import Column, ForeignKey, Integer, String, Text

from app.db import Base


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    username = Column(String(30), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)


class Token(Base):
    __tablename__ = "tokens"

    token = Column(String(128), primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)


class Note(Base):
    __tablename__ = "notes"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
    text = Column(Text, nullable=False)


def test_models_round_trip():
    from sqlalchemy.orm import Session

    from app.db import make_engine

    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        user = User(username="ada", password_hash="x")
        session.add(user)
        session.flush()
        session.add_all([Token(token="t", user_id=user.id), Note(user_id=user.id, text="hi")])
        session.commit()
        assert session.get(Note, 1).text == "hi"
        assert session.get(Token, "t").user_id == user.id
