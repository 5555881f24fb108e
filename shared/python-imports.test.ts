import { describe, expect, it } from "vitest";
import { importedModules, reachableFiles, testsImporting } from "./python-imports.js";

describe("python imports", () => {
  it("reads import and from-import statements, resolving relative ones", () => {
    const source = [
      "import os, shop.models as m",
      "from shop.cart import (Cart,",
      "    total)",
      "from . import helpers  # sibling",
      "from ..core import base",
      "x = 'import nothing'",
    ].join("\n");
    expect(importedModules("shop/sub/mod.py", source).sort()).toEqual(
      [
        "os",
        "shop.models",
        "shop.cart",
        "shop.cart.Cart",
        "shop.cart.total",
        "shop.sub",
        "shop.sub.helpers",
        "shop.core",
        "shop.core.base",
      ].sort(),
    );
  });

  it("follows imports through the repository to find the tests that reach a changed file", () => {
    const files = new Map([
      ["shop/__init__.py", ""],
      ["shop/models.py", "class Item: pass\n"],
      ["shop/cart.py", "from shop.models import Item\n"],
      ["tests/test_cart.py", "from shop.cart import Cart\n"],
      ["tests/test_other.py", "import json\n"],
    ]);
    expect([...reachableFiles("tests/test_cart.py", files)].sort()).toEqual([
      "shop/__init__.py",
      "shop/cart.py",
      "shop/models.py",
    ]);
    expect(testsImporting(["tests/test_cart.py", "tests/test_other.py"], new Set(["shop/models.py"]), files)).toEqual([
      "tests/test_cart.py",
    ]);
  });
});
