import pytest

from shop.models import Catalogue, Product, UnknownProductError


def test_product_validation():
    with pytest.raises(ValueError):
        Product("A-1", "pen", 100)
    with pytest.raises(ValueError):
        Product("A1", "pen", -5)


def test_catalogue_add_and_get():
    catalogue = Catalogue()
    catalogue.add(Product("A1", "pen", 100))
    assert catalogue.get("A1").name == "pen"
    assert len(catalogue) == 1


def test_duplicate_and_unknown():
    catalogue = Catalogue()
    catalogue.add(Product("A1", "pen", 100))
    with pytest.raises(ValueError):
        catalogue.add(Product("A1", "other", 1))
    with pytest.raises(UnknownProductError):
        catalogue.get("B2")
