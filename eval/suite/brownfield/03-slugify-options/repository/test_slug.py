from textkit.slug import slugify


def test_basic_slug():
    assert slugify("Hello, World!") == "hello-world"


def test_accents_are_dropped():
    assert slugify("Crème Brûlée") == "creme-brulee"


def test_empty():
    assert slugify("  !!  ") == ""


def test_digits_kept():
    assert slugify("Top 10 tips") == "top-10-tips"
