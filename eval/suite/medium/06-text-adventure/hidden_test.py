from adventure.game import Game
from adventure.world import Room, build_world


def test_world_layout():
    world = build_world()
    assert set(world) == {"hall", "library", "kitchen", "vault"}
    assert all(isinstance(room, Room) for room in world.values())
    assert world["hall"].exits == {"north": "library", "east": "kitchen"}
    assert world["kitchen"].exits == {"west": "hall", "north": "vault"}
    assert world["library"].items == ["key"]
    assert world["kitchen"].items == ["lamp"]
    assert world["vault"].locked is True and world["vault"].key == "key"
    assert world["vault"].items == ["treasure"]
    assert world["hall"].locked is False


def test_world_is_fresh_each_time():
    first = build_world()
    first["library"].items.clear()
    assert build_world()["library"].items == ["key"]


def test_start_state():
    game = Game()
    assert game.room == "hall"
    assert game.inventory == []
    assert game.state == "playing"
    assert game.moves == 0
    assert isinstance(game.handle("look"), str)


def test_movement_and_bad_direction():
    game = Game()
    game.handle("go north")
    assert game.room == "library"
    game.handle("go west")
    assert game.room == "library"
    game.handle("  GO   South ")
    assert game.room == "hall"
    assert game.moves == 2


def test_locked_vault_needs_key():
    game = Game()
    game.handle("go east")
    message = game.handle("go north")
    assert "locked" in message.lower()
    assert game.room == "kitchen"
    assert game.moves == 1


def test_take_and_drop():
    game = Game()
    game.handle("go east")
    game.handle("take lamp")
    assert game.inventory == ["lamp"]
    game.handle("take sword")
    assert game.inventory == ["lamp"]
    game.handle("go west")
    game.handle("drop lamp")
    assert game.inventory == []
    game.handle("take lamp")
    assert game.inventory == ["lamp"]


def test_full_walkthrough_wins():
    game = Game()
    for command in ["go north", "take key", "go south", "go east", "go north"]:
        assert isinstance(game.handle(command), str)
    assert game.room == "vault"
    assert "key" in game.inventory
    game.handle("take treasure")
    assert game.state == "won"
    assert game.moves == 4


def test_game_over_ignores_commands():
    game = Game()
    game.handle("quit")
    assert game.state == "quit"
    game.handle("go north")
    assert game.room == "hall"
    assert game.moves == 0


def test_unknown_command():
    game = Game()
    assert "I don't understand" in game.handle("dance wildly")
    assert game.state == "playing"


def test_custom_world():
    world = {
        "start": Room(name="start", description="Start.", exits={"up": "top"}, items=[]),
        "top": Room(name="top", description="Top.", exits={"down": "start"}, items=["treasure"]),
    }
    game = Game(world)
    game.handle("go up")
    game.handle("take treasure")
    assert game.state == "won"
