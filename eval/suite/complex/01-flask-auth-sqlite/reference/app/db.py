"""Database setup: the declarative base and an engine factory."""
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import StaticPool

Base = declarative_base()


def make_engine(database_url):
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(database_url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    return create_engine(database_url)


def test_make_engine_memory_shares_one_database():
    from sqlalchemy import text

    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT x FROM t")).scalar() == 1


def test_make_engine_file(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "x.db"))
    Base.metadata.create_all(engine)
    engine.dispose()
