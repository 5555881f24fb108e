"""Data access for posts and comments."""
from sqlalchemy import func, select

from blog.models import Comment, Post, Tag


class BlogRepository:
    def __init__(self, session):
        self.session = session

    def _tag(self, name):
        tag = self.session.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
        return tag or Tag(name=name)

    def create_post(self, title, body, tags=()):
        post = Post(title=title, body=body)
        self.session.add(post)
        post.tags = [self._tag(name) for name in tags]
        self.session.commit()
        return post

    def get_post(self, post_id):
        return self.session.get(Post, post_id)

    def list_posts(self, page=1, per_page=10, tag=None):
        query = select(Post)
        if tag is not None:
            query = query.join(Post.tags).where(Tag.name == tag)
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = self.session.execute(query.order_by(Post.id.desc()).offset((page - 1) * per_page).limit(per_page))
        return list(rows.scalars()), total

    def add_comment(self, post_id, author, body):
        post = self.get_post(post_id)
        if post is None:
            return None
        comment = Comment(post_id=post.id, author=author, body=body)
        self.session.add(comment)
        self.session.commit()
        return comment

    def delete_post(self, post_id):
        post = self.get_post(post_id)
        if post is None:
            return False
        self.session.delete(post)
        self.session.commit()
        return True


def test_repository():
    from sqlalchemy.orm import Session

    from blog.db import init_db, make_engine

    engine = make_engine("sqlite://")
    init_db(engine)
    repo = BlogRepository(Session(engine))
    first = repo.create_post("A", "a", ["py"])
    repo.create_post("B", "b", ["py", "web"])
    posts, total = repo.list_posts(1, 1, tag="py")
    assert total == 2 and [p.title for p in posts] == ["B"]
    assert repo.add_comment(first.id, "ada", "hi").post_id == first.id
    assert repo.add_comment(99, "ada", "hi") is None
    assert repo.delete_post(first.id) and not repo.delete_post(first.id)
