import json

import pytest

from todo.models import TodoItem
from todo.todo_list import TodoList


def test_item_dict_round_trip():
    item = TodoItem(id=3, title="Read", done=True)
    assert item.to_dict() == {"id": 3, "title": "Read", "done": True}
    assert TodoItem.from_dict({"id": 3, "title": "Read", "done": True}) == item
    assert TodoItem(id=1, title="x").done is False


def test_add_and_ids(tmp_path):
    todos = TodoList(tmp_path / "todos.json")
    first = todos.add("  Buy milk ")
    second = todos.add("Walk dog")
    assert isinstance(first, TodoItem)
    assert (first.id, first.title, first.done) == (1, "Buy milk", False)
    assert second.id == 2
    assert [item.title for item in todos.items()] == ["Buy milk", "Walk dog"]


def test_blank_title_rejected(tmp_path):
    todos = TodoList(tmp_path / "todos.json")
    with pytest.raises(ValueError):
        todos.add("   ")
    assert todos.items() == []


def test_missing_file_starts_empty_and_is_not_created(tmp_path):
    path = tmp_path / "nothing-yet.json"
    todos = TodoList(path)
    assert todos.items() == []
    assert not path.exists()


def test_complete_pending_completed(tmp_path):
    todos = TodoList(tmp_path / "todos.json")
    a = todos.add("a")
    b = todos.add("b")
    done = todos.complete(a.id)
    assert done.done is True
    assert [item.id for item in todos.pending()] == [b.id]
    assert [item.id for item in todos.completed()] == [a.id]
    assert todos.get(a.id).done is True


def test_unknown_ids_raise_key_error(tmp_path):
    todos = TodoList(tmp_path / "todos.json")
    todos.add("a")
    with pytest.raises(KeyError):
        todos.get(99)
    with pytest.raises(KeyError):
        todos.complete(99)
    with pytest.raises(KeyError):
        todos.remove(99)


def test_persistence_and_file_format(tmp_path):
    path = tmp_path / "todos.json"
    todos = TodoList(path)
    todos.add("Buy milk")
    todos.add("Call mom")
    todos.complete(2)
    data = json.loads(path.read_text())
    assert data == {
        "items": [
            {"id": 1, "title": "Buy milk", "done": False},
            {"id": 2, "title": "Call mom", "done": True},
        ]
    }
    reloaded = TodoList(path)
    assert [(i.id, i.title, i.done) for i in reloaded.items()] == [(1, "Buy milk", False), (2, "Call mom", True)]


def test_remove_persists_and_next_id(tmp_path):
    path = tmp_path / "todos.json"
    todos = TodoList(path)
    for title in ["a", "b", "c"]:
        todos.add(title)
    todos.remove(2)
    reloaded = TodoList(path)
    assert [item.id for item in reloaded.items()] == [1, 3]
    assert reloaded.add("d").id == 4


def test_loads_existing_file(tmp_path):
    path = tmp_path / "existing.json"
    path.write_text(json.dumps({"items": [{"id": 7, "title": "Old task", "done": False}]}))
    todos = TodoList(path)
    assert todos.get(7).title == "Old task"
    assert todos.add("New").id == 8
