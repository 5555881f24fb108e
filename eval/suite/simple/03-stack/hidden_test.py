import pytest

from stack import Stack


def test_new_stack_is_empty():
    s = Stack()
    assert s.is_empty()
    assert s.size() == 0
    assert len(s) == 0


def test_push_pop_is_lifo():
    s = Stack()
    for item in [1, 2, 3]:
        s.push(item)
    assert s.size() == 3
    assert s.pop() == 3
    assert s.pop() == 2
    assert s.pop() == 1
    assert s.is_empty()


def test_peek_does_not_remove():
    s = Stack()
    s.push("a")
    s.push("b")
    assert s.peek() == "b"
    assert len(s) == 2


def test_empty_pop_and_peek_raise_index_error():
    s = Stack()
    with pytest.raises(IndexError):
        s.pop()
    with pytest.raises(IndexError):
        s.peek()


def test_init_from_iterable_and_to_list():
    s = Stack([1, 2, 3])
    assert s.peek() == 3
    items = s.to_list()
    assert items == [1, 2, 3]
    items.append(99)
    assert s.to_list() == [1, 2, 3]


def test_clear():
    s = Stack("abc")
    s.clear()
    assert s.is_empty()
    with pytest.raises(IndexError):
        s.pop()


def test_none_is_a_valid_item():
    s = Stack()
    s.push(None)
    assert not s.is_empty()
    assert s.pop() is None
    assert s.is_empty()
