"""The todo item record."""
from dataclasses import dataclass


@dataclass
class TodoItem:
    id: int
    title: str
    done: bool = False

    def to_dict(self):
        return {"id": self.id, "title": self.title, "done": self.done}

    @classmethod
    def from_dict(cls, data):
        return cls(id=int(data["id"]), title=str(data["title"]), done=bool(data.get("done", False)))


def test_round_trip():
    item = TodoItem(1, "x", True)
    assert TodoItem.from_dict(item.to_dict()) == item
    assert TodoItem(2, "y").to_dict() == {"id": 2, "title": "y", "done": False}
