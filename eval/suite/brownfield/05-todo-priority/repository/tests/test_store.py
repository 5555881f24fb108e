import pytest

from todo.store import TodoList


def test_add_assigns_ids_and_strips():
    todos = TodoList()
    first = todos.add("  buy milk ")
    second = todos.add("call bob")
    assert (first.id, first.title, second.id) == (1, "buy milk", 2)


def test_blank_title_rejected():
    with pytest.raises(ValueError):
        TodoList().add("   ")


def test_complete_moves_to_done():
    todos = TodoList()
    todos.add("a")
    todos.add("b")
    todos.complete(1)
    assert [t.title for t in todos.pending()] == ["b"]
    assert [t.title for t in todos.done()] == ["a"]


def test_complete_unknown():
    with pytest.raises(KeyError):
        TodoList().complete(7)
