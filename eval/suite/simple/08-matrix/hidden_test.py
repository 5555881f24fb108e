import copy

import pytest

from matrix import add, determinant, identity, multiply, transpose


def test_add():
    assert add([[1, 2], [3, 4]], [[10, 20], [30, 40]]) == [[11, 22], [33, 44]]


def test_add_shape_mismatch():
    with pytest.raises(ValueError):
        add([[1, 2]], [[1], [2]])


def test_multiply():
    a = [[1, 2, 3], [4, 5, 6]]
    b = [[7, 8], [9, 10], [11, 12]]
    assert multiply(a, b) == [[58, 64], [139, 154]]
    assert multiply([[2]], [[3]]) == [[6]]


def test_multiply_incompatible():
    with pytest.raises(ValueError):
        multiply([[1, 2]], [[1, 2]])


def test_transpose():
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
    assert transpose([[1]]) == [[1]]


def test_identity():
    assert identity(1) == [[1]]
    assert identity(3) == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    m = [[1, 2], [3, 4]]
    assert multiply(m, identity(2)) == m
    with pytest.raises(ValueError):
        identity(0)


def test_determinant():
    assert determinant([[5]]) == pytest.approx(5)
    assert determinant([[1, 2], [3, 4]]) == pytest.approx(-2)
    assert determinant([[2, 0, 1], [1, 3, 2], [1, 1, 2]]) == pytest.approx(6)
    assert determinant([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == pytest.approx(0, abs=1e-9)
    assert determinant([[0, 1], [1, 0]]) == pytest.approx(-1)
    assert determinant(identity(5)) == pytest.approx(1)


def test_determinant_non_square():
    with pytest.raises(ValueError):
        determinant([[1, 2, 3], [4, 5, 6]])


def test_ragged_and_empty_rejected():
    with pytest.raises(ValueError):
        transpose([[1, 2], [3]])
    with pytest.raises(ValueError):
        add([], [])


def test_inputs_not_modified():
    a = [[1, 2], [3, 4]]
    b = [[5, 6], [7, 8]]
    a_copy, b_copy = copy.deepcopy(a), copy.deepcopy(b)
    add(a, b)
    multiply(a, b)
    transpose(a)
    determinant(a)
    assert a == a_copy and b == b_copy
