"""A calendar event."""
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Event:
    title: str
    start: datetime
    end: datetime

    def __post_init__(self):
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("an event needs a title")
        if self.end <= self.start:
            raise ValueError("an event must end after it starts")

    @property
    def duration_minutes(self):
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end


def test_event():
    import pytest

    a = Event("a", datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 10))
    b = Event("b", datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 11))
    assert a.duration_minutes == 60
    assert not a.overlaps(b)
    assert a.overlaps(Event("c", datetime(2024, 1, 1, 9, 59), datetime(2024, 1, 1, 11)))
    with pytest.raises(ValueError):
        Event("x", b.end, b.start)
