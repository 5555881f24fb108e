"""Posts, tags and comments."""
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from blog.db import Base

post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Post(Base):
    __tablename__ = "posts"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    tags = relationship("Tag", secondary=post_tags, back_populates="posts")
    comments = relationship("Comment", back_populates="post", cascade="all, delete-orphan", order_by="Comment.id")


class Tag(Base):
    __tablename__ = "tags"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    posts = relationship("Post", secondary=post_tags, back_populates="tags")


class Comment(Base):
    __tablename__ = "comments"

    id = Column(Integer, primary_key=True)
    post_id = Column(Integer, ForeignKey("posts.id"), nullable=False, index=True)
    author = Column(String(100), nullable=False)
    body = Column(Text, nullable=False)
    post = relationship("Post", back_populates="comments")


def test_relationships():
    from sqlalchemy.orm import Session

    from blog.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    with Session(engine) as session:
        post = Post(title="T", body="B", tags=[Tag(name="x")], comments=[Comment(author="a", body="c")])
        session.add(post)
        session.commit()
        assert session.get(Tag, 1).posts[0].title == "T"
        session.delete(post)
        session.commit()
        assert session.get(Comment, 1) is None
