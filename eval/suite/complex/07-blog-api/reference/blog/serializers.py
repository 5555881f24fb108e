"""JSON shapes of posts and comments."""


def comment_to_dict(comment):
    return {"id": comment.id, "author": comment.author, "body": comment.body}


def post_to_dict(post, include_comments=False):
    data = {"id": post.id, "title": post.title, "body": post.body, "tags": sorted(tag.name for tag in post.tags)}
    if include_comments:
        data["comments"] = [comment_to_dict(c) for c in sorted(post.comments, key=lambda c: (c.id is None, c.id or 0))]
    return data


def test_serializers():
    from blog.models import Comment, Post, Tag

    post = Post(id=1, title="T", body="B", tags=[Tag(name="z"), Tag(name="a")])
    post.comments.append(Comment(id=2, author="ada", body="c"))
    assert post_to_dict(post) == {"id": 1, "title": "T", "body": "B", "tags": ["a", "z"]}
    assert post_to_dict(post, include_comments=True)["comments"] == [{"id": 2, "author": "ada", "body": "c"}]
