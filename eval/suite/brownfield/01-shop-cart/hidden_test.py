import pytest

from shop.cart import Cart
from shop.models import Catalogue, Product, UnknownProductError


@pytest.fixture
def catalogue():
    c = Catalogue()
    c.add(Product("PEN", "pen", 150))
    c.add(Product("PAD", "pad", 300))
    c.add(Product("INK", "ink", 99))
    return c


def test_empty_cart(catalogue):
    cart = Cart(catalogue)
    assert cart.lines() == []
    assert cart.total_cents() == 0
    assert len(cart) == 0


def test_add_accumulates(catalogue):
    cart = Cart(catalogue)
    cart.add("PEN")
    cart.add("PEN", 2)
    cart.add("PAD", 1)
    assert cart.lines() == [("PAD", 1, 300), ("PEN", 3, 450)]
    assert cart.total_cents() == 750
    assert len(cart) == 4


def test_add_unknown_or_bad_quantity(catalogue):
    cart = Cart(catalogue)
    with pytest.raises(UnknownProductError):
        cart.add("NOPE")
    with pytest.raises(ValueError):
        cart.add("PEN", 0)
    assert cart.lines() == []


def test_remove(catalogue):
    cart = Cart(catalogue)
    cart.add("PEN", 3)
    cart.add("INK", 2)
    cart.remove("PEN", 2)
    assert cart.lines() == [("INK", 2, 198), ("PEN", 1, 150)]
    cart.remove("INK")
    assert cart.lines() == [("PEN", 1, 150)]
    cart.remove("PEN", 1)
    assert cart.lines() == []


def test_remove_errors(catalogue):
    cart = Cart(catalogue)
    cart.add("PEN", 1)
    with pytest.raises(KeyError):
        cart.remove("PAD")
    with pytest.raises(ValueError):
        cart.remove("PEN", 5)
    assert cart.lines() == [("PEN", 1, 150)]
