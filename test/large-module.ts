// A large existing Python module for edit tests (> 30,000 characters, hundreds of definitions,
// its own tests inside), generated so no fixture file has to be kept in step by hand.
import { createHash } from "node:crypto";

/** `functions` top-level functions, a Store class with `methods` methods, and 5 tests of them. */
export function largeModule(functions = 300, methods = 120): string {
  const parts = ['"""Generated inventory module (edit tests)."""', "import math", ""];
  for (let i = 0; i < functions; i++)
    parts.push(
      "",
      `def scale_${i}(value):`,
      `    """Scale a value by ${i} and round it."""`,
      `    return round(value * ${i} / 7, 3)`,
      "",
    );
  parts.push(
    "",
    "class Store:",
    '    """Records by id."""',
    "",
    "    def __init__(self):",
    "        self.rows = []",
    "",
  );
  for (let i = 0; i < methods; i++)
    parts.push(
      `    def add_${i}(self, name):`,
      `        self.rows.append({"id": ${i}, "name": name})`,
      "        return len(self.rows)",
      "",
    );
  parts.push("    def names(self):", '        return [row["name"] for row in self.rows]', "");
  for (let i = 0; i < 5; i++)
    parts.push(
      "",
      `def test_existing_${i}():`,
      "    store = Store()",
      `    store.add_${i}("x")`,
      '    assert store.names() == ["x"]',
      `    assert scale_${i + 7}(1) == round(${i + 7} / 7, 3)`,
      "",
    );
  return (
    parts
      .join("\n")
      .replace(/\n{3,}/g, "\n\n\n")
      .trim() + "\n"
  );
}

export function existingFile(content: string): { content: string; sha256: string } {
  return { content, sha256: createHash("sha256").update(content).digest("hex") };
}
