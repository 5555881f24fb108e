"""An in-memory to-do list."""
from dataclasses import dataclass


@dataclass
class Todo:
    id: int
    title: str
    done: bool = False


class TodoList:
    def __init__(self):
        self._todos: dict[int, Todo] = {}
        self._next_id = 1

    def add(self, title: str) -> Todo:
        title = title.strip()
        if not title:
            raise ValueError("a to-do needs a title")
        todo = Todo(self._next_id, title)
        self._todos[todo.id] = todo
        self._next_id += 1
        return todo

    def complete(self, todo_id: int) -> Todo:
        if todo_id not in self._todos:
            raise KeyError(todo_id)
        todo = self._todos[todo_id]
        todo.done = True
        return todo

    def pending(self) -> list[Todo]:
        """Not yet done, oldest first."""
        return [t for t in self._todos.values() if not t.done]

    def done(self) -> list[Todo]:
        return [t for t in self._todos.values() if t.done]
