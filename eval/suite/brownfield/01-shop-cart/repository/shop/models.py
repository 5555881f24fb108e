"""The shop's catalogue: products with a SKU, a name and a price in integer cents."""
from dataclasses import dataclass


class UnknownProductError(KeyError):
    """No product with that SKU in the catalogue."""


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int

    def __post_init__(self):
        if not self.sku or not self.sku.isalnum():
            raise ValueError(f"SKU must be letters and digits, got {self.sku!r}")
        if self.price_cents < 0:
            raise ValueError(f"negative price for {self.sku}")


class Catalogue:
    def __init__(self):
        self._products: dict[str, Product] = {}

    def add(self, product: Product) -> None:
        if product.sku in self._products:
            raise ValueError(f"duplicate SKU {product.sku}")
        self._products[product.sku] = product

    def get(self, sku: str) -> Product:
        try:
            return self._products[sku]
        except KeyError:
            raise UnknownProductError(sku) from None

    def __len__(self) -> int:
        return len(self._products)
