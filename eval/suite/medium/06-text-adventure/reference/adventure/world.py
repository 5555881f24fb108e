"""Rooms and the default world map."""
from dataclasses import dataclass, field


@dataclass
class Room:
    name: str
    description: str
    exits: dict = field(default_factory=dict)
    items: list = field(default_factory=list)
    locked: bool = False
    key: str = None


def build_world():
    rooms = [
        Room("hall", "A draughty hall.", {"north": "library", "east": "kitchen"}),
        Room("library", "Dusty shelves everywhere.", {"south": "hall"}, ["key"]),
        Room("kitchen", "It smells of old soup.", {"west": "hall", "north": "vault"}, ["lamp"]),
        Room("vault", "Gold glitters in the dark.", {"south": "kitchen"}, ["treasure"], locked=True, key="key"),
    ]
    return {room.name: room for room in rooms}


def test_world():
    world = build_world()
    assert world["vault"].locked and world["vault"].key == "key"
    assert world["hall"].exits["north"] == "library"
    world["library"].items.clear()
    assert build_world()["library"].items == ["key"]
