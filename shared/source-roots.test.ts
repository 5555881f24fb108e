import { describe, expect, it } from "vitest";
import { sourceRoots } from "./source-roots.js";

const file = (path: string, content = "") => ({ path, content });

describe("sourceRoots", () => {
  it("finds the src layout, and nothing for a flat repository", () => {
    expect(sourceRoots([file("src/shop/__init__.py"), file("src/shop/models.py"), file("tests/test_shop.py")])).toEqual(
      ["src"],
    );
    expect(sourceRoots([file("src/tool.py")])).toEqual(["src"]);
    expect(sourceRoots([file("shop/__init__.py"), file("tests/test_shop.py")])).toEqual([]);
    // A src/ folder of data files is not a source root.
    expect(sourceRoots([file("src/data/table.csv"), file("app.py")])).toEqual([]);
  });

  it("reads pytest's pythonpath from the first settings file pytest would read", () => {
    const lib = file("lib/helpers/__init__.py");
    expect(sourceRoots([file("pytest.ini", "[pytest]\npythonpath = lib .\n"), lib])).toEqual(["lib"]);
    expect(
      sourceRoots([
        file("pyproject.toml", '[project]\nname = "x"\n\n[tool.pytest.ini_options]\npythonpath = ["lib"]\n'),
        lib,
      ]),
    ).toEqual(["lib"]);
    expect(sourceRoots([file("setup.cfg", "[tool:pytest]\npythonpath = lib/\n"), lib])).toEqual(["lib"]);
    // pytest.ini wins over pyproject.toml; a pythonpath outside any pytest section is not pytest's.
    expect(
      sourceRoots([
        file("pytest.ini", "[pytest]\naddopts = -q\n"),
        file("pyproject.toml", '[tool.pytest.ini_options]\npythonpath = ["lib"]\n'),
        lib,
      ]),
    ).toEqual([]);
    expect(sourceRoots([file("tox.ini", "[testenv]\npythonpath = lib\n"), lib])).toEqual([]);
  });

  it("keeps only folders inside the repository that exist", () => {
    expect(
      sourceRoots([file("pytest.ini", "[pytest]\npythonpath = ../outside /etc missing lib\n"), file("lib/a.py")]),
    ).toEqual(["lib"]);
  });
});
