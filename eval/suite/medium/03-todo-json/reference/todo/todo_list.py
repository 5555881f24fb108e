"""A todo list persisted to a JSON file."""
import json
import os

from todo.models import TodoItem


class TodoList:
    def __init__(self, path):
        self.path = os.fspath(path)
        self._items = []
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            self._items = [TodoItem.from_dict(entry) for entry in data.get("items", [])]

    def _save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"items": [item.to_dict() for item in self._items]}, handle, indent=2)
        os.replace(tmp, self.path)

    def add(self, title):
        cleaned = (title or "").strip()
        if not cleaned:
            raise ValueError("title must not be empty")
        item = TodoItem(id=max((i.id for i in self._items), default=0) + 1, title=cleaned)
        self._items.append(item)
        self._save()
        return item

    def get(self, item_id):
        for item in self._items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def complete(self, item_id):
        item = self.get(item_id)
        item.done = True
        self._save()
        return item

    def remove(self, item_id):
        item = self.get(item_id)
        self._items.remove(item)
        self._save()

    def items(self):
        return list(self._items)

    def pending(self):
        return [item for item in self._items if not item.done]

    def completed(self):
        return [item for item in self._items if item.done]


def test_add_complete_persist(tmp_path):
    path = tmp_path / "t.json"
    todos = TodoList(path)
    todos.add("a")
    todos.complete(todos.add("b").id)
    reloaded = TodoList(path)
    assert [(i.id, i.done) for i in reloaded.items()] == [(1, False), (2, True)]
    assert json.loads(path.read_text())["items"][0] == {"id": 1, "title": "a", "done": False}


def test_errors(tmp_path):
    import pytest

    todos = TodoList(tmp_path / "t.json")
    with pytest.raises(ValueError):
        todos.add(" ")
    with pytest.raises(KeyError):
        todos.remove(1)
