"""An in-memory to-do list with priorities."""
from dataclasses import dataclass

PRIORITIES = ("high", "normal", "low")


def _check_priority(priority: str) -> None:
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, got {priority!r}")


@dataclass
class Todo:
    id: int
    title: str
    done: bool = False
    priority: str = "normal"


class TodoList:
    def __init__(self):
        self._todos: dict[int, Todo] = {}
        self._next_id = 1

    def add(self, title: str, priority: str = "normal") -> Todo:
        title = title.strip()
        if not title:
            raise ValueError("a to-do needs a title")
        _check_priority(priority)
        todo = Todo(self._next_id, title, priority=priority)
        self._todos[todo.id] = todo
        self._next_id += 1
        return todo

    def complete(self, todo_id: int) -> Todo:
        if todo_id not in self._todos:
            raise KeyError(todo_id)
        todo = self._todos[todo_id]
        todo.done = True
        return todo

    def reprioritize(self, todo_id: int, priority: str) -> Todo:
        if todo_id not in self._todos:
            raise KeyError(todo_id)
        _check_priority(priority)
        todo = self._todos[todo_id]
        todo.priority = priority
        return todo

    def pending(self) -> list[Todo]:
        """Not yet done, highest priority first, then oldest first."""
        waiting = [t for t in self._todos.values() if not t.done]
        return sorted(waiting, key=lambda t: (PRIORITIES.index(t.priority), t.id))

    def done(self) -> list[Todo]:
        return [t for t in self._todos.values() if t.done]


def test_priorities():
    todos = TodoList()
    todos.add("a", priority="low")
    todos.add("b", priority="high")
    assert [t.title for t in todos.pending()] == ["b", "a"]
    todos.reprioritize(1, "high")
    assert [t.title for t in todos.pending()] == ["a", "b"]
