import pytest

from todo.store import TodoList


def test_default_priority():
    assert TodoList().add("a").priority == "normal"


def test_pending_sorted_by_priority_then_id():
    todos = TodoList()
    todos.add("low one", priority="low")
    todos.add("normal one")
    todos.add("high one", priority="high")
    todos.add("normal two", "normal")
    todos.add("high two", priority="high")
    assert [t.title for t in todos.pending()] == ["high one", "high two", "normal one", "normal two", "low one"]


def test_unknown_priority_adds_nothing():
    todos = TodoList()
    with pytest.raises(ValueError):
        todos.add("x", priority="urgent")
    assert todos.pending() == []
    assert todos.add("y").id == 1


def test_reprioritize():
    todos = TodoList()
    todos.add("a")
    todos.add("b")
    changed = todos.reprioritize(2, "high")
    assert changed.priority == "high"
    assert [t.title for t in todos.pending()] == ["b", "a"]


def test_reprioritize_errors():
    todos = TodoList()
    todos.add("a")
    with pytest.raises(KeyError):
        todos.reprioritize(9, "low")
    with pytest.raises(ValueError):
        todos.reprioritize(1, "someday")
    assert todos.pending()[0].priority == "normal"


def test_done_order_unchanged():
    todos = TodoList()
    todos.add("a", priority="low")
    todos.add("b", priority="high")
    todos.complete(2)
    todos.complete(1)
    assert [t.title for t in todos.done()] == ["a", "b"]
