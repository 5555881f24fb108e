from datetime import date, datetime, time

import pytest

from agenda.event import Event
from agenda.planner import ConflictError, Planner


def at(hour, minute=0, day=15):
    return datetime(2024, 3, day, hour, minute)


def test_event_validation_and_duration():
    assert Event("Standup", at(9), at(10, 30)).duration_minutes == 90
    with pytest.raises(ValueError):
        Event("Zero", at(10), at(10))
    with pytest.raises(ValueError):
        Event("Backwards", at(11), at(10))
    with pytest.raises(ValueError):
        Event("   ", at(9), at(10))


def test_overlaps():
    a = Event("a", at(9), at(10))
    assert not a.overlaps(Event("b", at(10), at(11)))
    assert not Event("b", at(10), at(11)).overlaps(a)
    assert a.overlaps(Event("c", at(9, 30), at(11)))
    assert a.overlaps(Event("d", at(8), at(12)))
    assert a.overlaps(Event("e", at(9, 15), at(9, 45)))
    assert not a.overlaps(Event("f", at(9, day=16), at(10, day=16)))


def test_add_and_conflict():
    planner = Planner()
    first = Event("Review", at(10), at(11))
    planner.add(first)
    planner.add(Event("Lunch", at(11), at(12)))
    with pytest.raises(ConflictError) as info:
        planner.add(Event("Clash", at(10, 30), at(11, 30)))
    assert info.value.existing in (first, planner.events()[1])
    assert [e.title for e in planner.events()] == ["Review", "Lunch"]


def test_conflict_reports_existing_event():
    planner = Planner()
    existing = Event("Existing", at(14), at(15))
    planner.add(existing)
    with pytest.raises(ConflictError) as info:
        planner.add(Event("New", at(14, 30), at(16)))
    assert info.value.existing == existing


def test_events_sorted_and_remove():
    planner = Planner()
    planner.add(Event("Late", at(15), at(16)))
    planner.add(Event("Early", at(8), at(9)))
    assert [e.title for e in planner.events()] == ["Early", "Late"]
    planner.remove("Early")
    assert [e.title for e in planner.events()] == ["Late"]
    with pytest.raises(KeyError):
        planner.remove("Nope")


def test_events_on_includes_overnight():
    planner = Planner()
    planner.add(Event("Night shift", at(23), at(1, day=16)))
    planner.add(Event("Breakfast", at(8, day=16), at(9, day=16)))
    planner.add(Event("Other day", at(8, day=20), at(9, day=20)))
    assert [e.title for e in planner.events_on(date(2024, 3, 15))] == ["Night shift"]
    assert [e.title for e in planner.events_on(date(2024, 3, 16))] == ["Night shift", "Breakfast"]
    assert planner.events_on(date(2024, 3, 17)) == []


def test_free_slots():
    planner = Planner()
    planner.add(Event("Early bird", at(8), at(9, 10)))
    planner.add(Event("Meeting", at(10), at(11)))
    planner.add(Event("Follow-up", at(11), at(11, 15)))
    planner.add(Event("Short gap", at(11, 35), at(13)))
    planner.add(Event("Wrap", at(16, 45), at(18)))
    assert planner.free_slots(date(2024, 3, 15)) == [
        (at(9, 10), at(10)),
        (at(13), at(16, 45)),
    ]
    assert planner.free_slots(date(2024, 3, 15), min_minutes=20) == [
        (at(9, 10), at(10)),
        (at(11, 15), at(11, 35)),
        (at(13), at(16, 45)),
    ]


def test_free_slots_empty_day_and_custom_hours():
    planner = Planner()
    day = date(2024, 3, 18)
    assert planner.free_slots(day) == [(datetime(2024, 3, 18, 9), datetime(2024, 3, 18, 17))]
    planner.add(Event("All morning", datetime(2024, 3, 18, 7), datetime(2024, 3, 18, 12)))
    assert planner.free_slots(day, day_start=time(8), day_end=time(13)) == [
        (datetime(2024, 3, 18, 12), datetime(2024, 3, 18, 13))
    ]
