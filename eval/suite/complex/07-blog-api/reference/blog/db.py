"""Database setup for the blog."""
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import StaticPool

Base = declarative_base()


def make_engine(database_url):
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(database_url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    return create_engine(database_url)


def init_db(engine):
    Base.metadata.create_all(engine)


def test_init(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "b.db"))
    init_db(engine)
    engine.dispose()
