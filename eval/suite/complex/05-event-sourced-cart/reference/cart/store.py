"""Append-only event stores, in memory and in a JSON file."""
import json
import os

from cart.events import event_from_dict, event_to_dict


class InMemoryEventStore:
    def __init__(self):
        self._streams = {}

    def append(self, cart_id, event):
        self._streams.setdefault(cart_id, []).append(event)

    def load(self, cart_id):
        return list(self._streams.get(cart_id, []))

    def cart_ids(self):
        return sorted(self._streams)


class JsonFileEventStore(InMemoryEventStore):
    def __init__(self, path):
        super().__init__()
        self.path = os.fspath(path)
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            self._streams = {cart_id: [event_from_dict(e) for e in events] for cart_id, events in data.items()}

    def append(self, cart_id, event):
        super().append(cart_id, event)
        data = {cart_id: [event_to_dict(e) for e in events] for cart_id, events in self._streams.items()}
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)


def test_json_store_persists(tmp_path):
    from cart.events import ItemAdded, ItemRemoved

    path = tmp_path / "e.json"
    store = JsonFileEventStore(path)
    store.append("c", ItemAdded("a", 1, 5))
    store.append("c", ItemRemoved("a"))
    assert JsonFileEventStore(path).load("c") == [ItemAdded("a", 1, 5), ItemRemoved("a")]
    assert InMemoryEventStore().load("x") == []
