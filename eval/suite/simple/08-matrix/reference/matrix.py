"""Matrix helpers on lists of rows (no numpy)."""
from fractions import Fraction


def _shape(m):
    if not isinstance(m, list) or not m or not isinstance(m[0], list) or not m[0]:
        raise ValueError("a matrix must be a non-empty list of non-empty rows")
    cols = len(m[0])
    if any(not isinstance(row, list) or len(row) != cols for row in m):
        raise ValueError("all rows must have the same length")
    return len(m), cols


def add(a, b):
    if _shape(a) != _shape(b):
        raise ValueError("matrices must have the same shape")
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def multiply(a, b):
    (_, a_cols), (b_rows, _) = _shape(a), _shape(b)
    if a_cols != b_rows:
        raise ValueError("columns of a must equal rows of b")
    cols_b = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in cols_b] for row in a]


def transpose(m):
    _shape(m)
    return [list(col) for col in zip(*m)]


def identity(n):
    if n < 1:
        raise ValueError("n must be at least 1")
    return [[1 if i == j else 0 for j in range(n)] for i in range(n)]


def determinant(m):
    rows, cols = _shape(m)
    if rows != cols:
        raise ValueError("determinant needs a square matrix")
    exact = all(isinstance(x, int) for row in m for x in row)
    work = [[Fraction(x) if exact else float(x) for x in row] for row in m]
    det = Fraction(1) if exact else 1.0
    n = rows
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(work[r][col]))
        if work[pivot][col] == 0:
            return 0
        if pivot != col:
            work[col], work[pivot] = work[pivot], work[col]
            det = -det
        det *= work[col][col]
        for r in range(col + 1, n):
            factor = work[r][col] / work[col][col]
            for c in range(col, n):
                work[r][c] -= factor * work[col][c]
    if exact:
        return int(det) if det.denominator == 1 else float(det)
    return det


def test_operations():
    assert add([[1]], [[2]]) == [[3]]
    assert multiply([[1, 2]], [[3], [4]]) == [[11]]
    assert transpose([[1, 2]]) == [[1], [2]]
    assert identity(2) == [[1, 0], [0, 1]]


def test_determinant_and_errors():
    import pytest

    assert determinant([[1, 2], [3, 4]]) == -2
    assert determinant([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == 0
    with pytest.raises(ValueError):
        determinant([[1, 2]])
    with pytest.raises(ValueError):
        add([[1, 2], [3]], [[1, 2], [3]])
