// A repository of about `bytes` bytes for snapshot tests and the snapshot benchmark: a small shop
// package (shop/models.py and a test that imports it) plus generated Python modules as filler.
import type { RepositoryView } from "../shared/sandbox/task-run.js";

export const SHOP_MODELS = `class Item:
    def __init__(self, name, price):
        if price < 0:
            raise ValueError("price must not be negative")
        self.name = name
        self.price = price
`;

/** A module of shop/cart.py that imports the repository's shop.models, with its own test. */
export const SHOP_CART = `from shop.models import Item


class Cart:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)

    def total(self):
        return sum(i.price for i in self.items)


def test_total():
    cart = Cart()
    cart.add(Item("pen", 2))
    cart.add(Item("ink", 3))
    assert cart.total() == 5
`;

/** `seed` varies the filler, so two generated repositories of one size differ. */
export function generatedRepository(bytes: number, seed = "a"): RepositoryView {
  const files = [
    { path: "shop/__init__.py", content: "" },
    { path: "shop/models.py", content: SHOP_MODELS },
    {
      path: "tests/test_models.py",
      content: "from shop.models import Item\n\n\ndef test_price():\n    assert Item('pen', 2).price == 2\n",
    },
  ];
  let size = files.reduce((sum, f) => sum + f.content.length, 0);
  for (let i = 0; size < bytes; i++) {
    const lines = Array.from({ length: 800 }, (_, j) => `def f_${seed}_${i}_${j}(x):\n    return x * ${j} + ${i}\n`);
    const content = `# generated module ${i} (${seed})\n${lines.join("\n")}`.slice(0, Math.max(1, bytes - size));
    files.push({ path: `pkg/m${Math.floor(i / 100)}/mod_${i}.py`, content });
    size += content.length;
  }
  return { files, tests: ["tests/test_models.py"] };
}
