"""A simple LIFO stack."""


class Stack:
    def __init__(self, iterable=None):
        self._items = list(iterable) if iterable is not None else []

    def push(self, item):
        self._items.append(item)

    def pop(self):
        if not self._items:
            raise IndexError("pop from an empty stack")
        return self._items.pop()

    def peek(self):
        if not self._items:
            raise IndexError("peek at an empty stack")
        return self._items[-1]

    def is_empty(self):
        return not self._items

    def size(self):
        return len(self._items)

    def __len__(self):
        return len(self._items)

    def clear(self):
        self._items.clear()

    def to_list(self):
        return list(self._items)


def test_lifo_order():
    s = Stack([1, 2])
    s.push(3)
    assert s.pop() == 3
    assert s.peek() == 2
    assert len(s) == 2


def test_empty_raises():
    import pytest

    s = Stack()
    with pytest.raises(IndexError):
        s.pop()
    with pytest.raises(IndexError):
        s.peek()
