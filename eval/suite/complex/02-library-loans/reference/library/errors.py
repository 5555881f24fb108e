"""Errors raised by the library service."""


class LibraryError(Exception):
    """Base class for library rule violations."""


class NotFoundError(LibraryError):
    """A book, member or loan does not exist."""


class BookUnavailableError(LibraryError):
    """Every copy of the book is on loan."""


class LoanLimitError(LibraryError):
    """The member already has the maximum number of active loans."""


class AlreadyReturnedError(LibraryError):
    """The loan was already returned."""


def test_hierarchy():
    for cls in (NotFoundError, BookUnavailableError, LoanLimitError, AlreadyReturnedError):
        assert issubclass(cls, LibraryError)
    assert issubclass(LibraryError, Exception)
