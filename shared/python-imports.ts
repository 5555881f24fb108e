// Which repository files a Python file imports, by a static scan of its import statements (no code
// runs). Enough to tell which repository tests exercise a changed module, and which generated files
// a failing repository test reaches; imports built at run time (importlib with a computed name) slip past.

/** Module names a file imports, relative imports resolved against the file's own package. */
export function importedModules(path: string, source: string): string[] {
  const modules = new Set<string>();
  const packageParts = path.split("/").slice(0, -1);
  // Statements start a line; a parenthesised name list may continue over several lines.
  const text = source
    .replace(/\\\r?\n/g, " ")
    .replace(/\(([^()]*)\)/g, (_all, inner: string) => inner.replace(/\n/g, " "));
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*$/, "").trim();
    for (const statement of line.split(";").map((s) => s.trim())) {
      const plain = /^import\s+(.+)$/.exec(statement);
      if (plain) {
        for (const part of plain[1]!.split(",")) {
          const name = part.trim().split(/\s+/)[0];
          if (name && /^[\w.]+$/.test(name)) modules.add(name);
        }
        continue;
      }
      const from = /^from\s+(\.*)([\w.]*)\s+import\s+(.+)$/.exec(statement);
      if (!from) continue;
      const level = from[1]!.length;
      let base = from[2]!;
      if (level > 0) {
        const parent = packageParts.slice(0, packageParts.length - (level - 1));
        if (parent.length < packageParts.length - (level - 1)) continue;
        base = [...parent, ...(base ? [base] : [])].join(".");
      }
      if (base) modules.add(base);
      // `from pkg import name`: name may be a submodule.
      for (const part of from[3]!.split(",")) {
        const name = part.trim().split(/\s+/)[0];
        if (name && /^\w+$/.test(name) && name !== "*") modules.add(base ? `${base}.${name}` : name);
      }
    }
  }
  return [...modules];
}

/** Repository paths a module name may live at (package __init__ files of its parents included). */
export function modulePaths(module: string): string[] {
  const parts = module.split(".").filter(Boolean);
  const paths: string[] = [];
  for (const root of ["", "src/"]) {
    for (let i = 1; i <= parts.length; i++) paths.push(`${root}${parts.slice(0, i).join("/")}/__init__.py`);
    paths.push(`${root}${parts.join("/")}.py`);
  }
  return paths;
}

/** Every repository file `path` reaches through imports, itself excluded; `files` maps path → source. */
export function reachableFiles(path: string, files: ReadonlyMap<string, string>): Set<string> {
  const reached = new Set<string>();
  const queue = [path];
  while (queue.length) {
    const current = queue.pop()!;
    const source = files.get(current);
    if (source === undefined) continue;
    for (const module of importedModules(current, source)) {
      for (const candidate of modulePaths(module)) {
        if (candidate !== path && files.has(candidate) && !reached.has(candidate)) {
          reached.add(candidate);
          queue.push(candidate);
        }
      }
    }
  }
  return reached;
}

/** The test files among `tests` that reach any of `changed` through imports. */
export function testsImporting(
  tests: readonly string[],
  changed: ReadonlySet<string>,
  files: ReadonlyMap<string, string>,
): string[] {
  return tests.filter((test) => [...reachableFiles(test, files)].some((path) => changed.has(path)));
}
