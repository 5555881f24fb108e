"""Greeting text for the hello endpoint."""


def greet(name=None):
    cleaned = (name or "").strip()
    return f"Hello, {cleaned}!" if cleaned else "Hello, World!"


def test_greet():
    assert greet() == "Hello, World!"
    assert greet(" Ada ") == "Hello, Ada!"
    assert greet("  ") == "Hello, World!"
