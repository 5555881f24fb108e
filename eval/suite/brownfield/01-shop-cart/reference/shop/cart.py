"""A shopping cart: quantities by SKU for products of one catalogue."""
from shop.models import Catalogue, Product


class Cart:
    def __init__(self, catalogue: Catalogue):
        self._catalogue = catalogue
        self._quantities: dict[str, int] = {}

    def add(self, sku: str, quantity: int = 1) -> None:
        self._catalogue.get(sku)  # UnknownProductError for an SKU the catalogue lacks
        if quantity < 1:
            raise ValueError(f"quantity must be at least 1, got {quantity}")
        self._quantities[sku] = self._quantities.get(sku, 0) + quantity

    def remove(self, sku: str, quantity: int | None = None) -> None:
        if sku not in self._quantities:
            raise KeyError(sku)
        held = self._quantities[sku]
        taken = held if quantity is None else quantity
        if taken < 1 or taken > held:
            raise ValueError(f"cannot remove {taken} of {sku}: the cart holds {held}")
        if taken == held:
            del self._quantities[sku]
        else:
            self._quantities[sku] = held - taken

    def lines(self) -> list[tuple[str, int, int]]:
        return [
            (sku, quantity, self._catalogue.get(sku).price_cents * quantity)
            for sku, quantity in sorted(self._quantities.items())
        ]

    def total_cents(self) -> int:
        return sum(total for _, _, total in self.lines())

    def __len__(self) -> int:
        return sum(self._quantities.values())


def test_cart_totals():
    catalogue = Catalogue()
    catalogue.add(Product("A1", "pen", 100))
    cart = Cart(catalogue)
    cart.add("A1", 2)
    assert cart.lines() == [("A1", 2, 200)]
    assert cart.total_cents() == 200
    cart.remove("A1")
    assert len(cart) == 0
