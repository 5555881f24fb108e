"""The game loop as a state machine over the world."""
from adventure.world import build_world

GAME_OVER = "The game is over."


class Game:
    def __init__(self, world=None):
        self.world = world if world is not None else build_world()
        self.room = "hall" if "hall" in self.world else next(iter(self.world))
        self.inventory = []
        self.state = "playing"
        self.moves = 0

    @property
    def current(self):
        return self.world[self.room]

    def handle(self, command):
        if self.state != "playing":
            return GAME_OVER
        words = command.lower().split()
        if not words:
            return "I don't understand that."
        verb, arg = words[0], " ".join(words[1:])
        if verb == "look" and not arg:
            return self._look()
        if verb == "go" and arg:
            return self._go(arg)
        if verb == "take" and arg:
            return self._take(arg)
        if verb == "drop" and arg:
            return self._drop(arg)
        if verb == "inventory" and not arg:
            return "You carry: " + (", ".join(self.inventory) or "nothing") + "."
        if verb == "quit" and not arg:
            self.state = "quit"
            return "Goodbye."
        return "I don't understand that."

    def _look(self):
        room = self.current
        items = ", ".join(room.items) or "nothing"
        exits = ", ".join(sorted(room.exits)) or "none"
        return f"{room.description} You see: {items}. Exits: {exits}."

    def _go(self, direction):
        target_name = self.current.exits.get(direction)
        if target_name is None:
            return "You can't go that way."
        target = self.world[target_name]
        if target.locked:
            if target.key not in self.inventory:
                return f"The {target.name} is locked."
            target.locked = False
        self.room = target_name
        self.moves += 1
        return self._look()

    def _take(self, item):
        if item not in self.current.items:
            return f"There is no {item} here."
        self.current.items.remove(item)
        self.inventory.append(item)
        if item == "treasure":
            self.state = "won"
            return "You take the treasure. You win!"
        return f"You take the {item}."

    def _drop(self, item):
        if item not in self.inventory:
            return f"You don't have a {item}."
        self.inventory.remove(item)
        self.current.items.append(item)
        return f"You drop the {item}."


def test_walkthrough():
    game = Game()
    assert "locked" in game.handle("go east") + game.handle("go north")
    for command in ["go west", "go north", "take key", "go south", "go east", "go north", "take treasure"]:
        game.handle(command)
    assert game.state == "won" and game.room == "vault"
    assert game.handle("go south") == GAME_OVER


def test_unknown():
    assert "I don't understand" in Game().handle("jump")
