"""A planner that refuses double bookings and finds free time."""
from datetime import datetime, time, timedelta


class ConflictError(Exception):
    def __init__(self, new, existing):
        super().__init__(f"{new.title!r} conflicts with {existing.title!r}")
        self.new = new
        self.existing = existing


class Planner:
    def __init__(self):
        self._events = []

    def add(self, event):
        for existing in self._events:
            if existing.overlaps(event):
                raise ConflictError(event, existing)
        self._events.append(event)
        self._events.sort(key=lambda e: e.start)

    def remove(self, title):
        for event in self._events:
            if event.title == title:
                self._events.remove(event)
                return
        raise KeyError(title)

    def events(self):
        return list(self._events)

    def events_on(self, day):
        start = datetime.combine(day, time(0))
        end = start + timedelta(days=1)
        return [e for e in self._events if e.start < end and start < e.end]

    def free_slots(self, day, day_start=time(9, 0), day_end=time(17, 0), min_minutes=30):
        window_start = datetime.combine(day, day_start)
        window_end = datetime.combine(day, day_end)
        slots = []
        cursor = window_start
        for event in self._events:
            if event.end <= cursor or event.start >= window_end:
                continue
            if event.start > cursor:
                slots.append((cursor, event.start))
            cursor = max(cursor, event.end)
        if cursor < window_end:
            slots.append((cursor, window_end))
        minimum = timedelta(minutes=min_minutes)
        return [(s, e) for s, e in slots if e - s >= minimum]


def test_planner():
    import pytest
    from datetime import date

    from agenda.event import Event

    planner = Planner()
    planner.add(Event("a", datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 11)))
    with pytest.raises(ConflictError):
        planner.add(Event("b", datetime(2024, 1, 1, 10, 30), datetime(2024, 1, 1, 12)))
    assert planner.free_slots(date(2024, 1, 1)) == [
        (datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 10)),
        (datetime(2024, 1, 1, 11), datetime(2024, 1, 1, 17)),
    ]
    assert len(planner.events_on(date(2024, 1, 1))) == 1
