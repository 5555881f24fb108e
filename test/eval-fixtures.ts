// A two-issue suite on disk in the eval format, small enough for fast harness tests.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const issues: Record<string, Record<string, string>> = {
  "simple/01-add": {
    "issue.md": "# Add two numbers\n\nIn `calc.py`, a function `add(a, b)` that returns the sum.\n",
    "hidden_test.py":
      "from calc import add\n\n\ndef test_sum():\n    assert add(2, 3) == 5\n\n\ndef test_negative():\n    assert add(-2, 1) == -1\n",
    "plan.json": JSON.stringify([
      {
        id: 1,
        description: "add",
        file: "calc.py",
        dependencies: [],
        input_output_spec: "a, b -> a + b",
        directory: "",
        context: "",
      },
    ]),
    "reference/calc.py": "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(1, 1) == 2\n",
  },
  "medium/01-greeting-api": {
    "issue.md":
      "# Greeting module with a formatter\n\n`app/names.py` has `clean(name)` (strip and title-case); `app/greet.py` has `greet(name)` returning `Hello, <clean name>!`.\n",
    "hidden_test.py":
      "from app.greet import greet\n\n\ndef test_greet():\n    assert greet('  ada ') == 'Hello, Ada!'\n",
    "plan.json": JSON.stringify([
      {
        id: 1,
        description: "clean names",
        file: "names.py",
        dependencies: [],
        input_output_spec: "str -> str",
        directory: "app/",
        context: "",
      },
      {
        id: 2,
        description: "greet",
        file: "greet.py",
        dependencies: [1],
        input_output_spec: "str -> str",
        directory: "app/",
        context: "",
      },
    ]),
    "reference/app/names.py":
      "def clean(name):\n    return name.strip().title()\n\n\ndef test_clean():\n    assert clean(' bob ') == 'Bob'\n",
    "reference/app/greet.py":
      "from app.names import clean\n\n\ndef greet(name):\n    return f'Hello, {clean(name)}!'\n\n\ndef test_greet():\n    assert greet('x') == 'Hello, X!'\n",
  },
};

export async function writeTinySuite(dir: string): Promise<string> {
  for (const [id, files] of Object.entries(issues)) {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, id, path)), { recursive: true });
      await writeFile(join(dir, id, path), content);
    }
  }
  return dir;
}
