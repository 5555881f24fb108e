// Where a repository's tests import its code from besides the root: the src layout's `src/` (a
// package or module under src/ that pytest would not find otherwise), and the folders its own pytest
// settings name in `pythonpath` (pytest.ini, tox.ini, setup.cfg, pyproject.toml). The sandbox reads
// none of the repository's settings files, so this is how a repository that needs them still imports.
import { posix } from "node:path";
import type { SourceFile } from "./schemas.js";

const SETTINGS: { path: string; section: RegExp }[] = [
  { path: "pytest.ini", section: /^\[pytest\]$/ },
  { path: "pyproject.toml", section: /^\[tool\.pytest\.ini_options\]$/ },
  { path: "tox.ini", section: /^\[pytest\]$/ },
  { path: "setup.cfg", section: /^\[tool:pytest\]$/ },
];

/** Folders relative to the root, in order, without duplicates; [] when the root is enough. */
export function sourceRoots(files: readonly SourceFile[]): string[] {
  const roots = new Set<string>();
  for (const setting of SETTINGS) {
    const file = files.find((f) => f.path === setting.path);
    if (!file) continue;
    for (const root of pythonpathSetting(file.content, setting.section)) roots.add(root);
    break; // pytest reads the first settings file it finds, in this order
  }
  if (files.some((f) => /^src\/[A-Za-z_][\w]*(\/__init__)?\.py$/.test(f.path))) roots.add("src");
  const folders = new Set(files.map((f) => posix.dirname(f.path)));
  // Only folders that exist in the repository and lie inside it; "." is the root, already there.
  return [...roots].filter(
    (root) => root !== "." && !root.startsWith("..") && !posix.isAbsolute(root) && hasFolder(folders, root),
  );
}

/** The `pythonpath` value in the section: ini words, or a TOML string or array of strings. */
function pythonpathSetting(text: string, section: RegExp): string[] {
  let inSection = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) inSection = section.test(line);
    else if (inSection) {
      const match = /^pythonpath\s*[=:]\s*(.+)$/.exec(line);
      if (!match) continue;
      const value = match[1]!.trim();
      const quoted = [...value.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]!);
      const words = value.startsWith("[") || quoted.length ? quoted : value.split(/\s+/);
      return words.map((w) => posix.normalize(w.replace(/\/+$/, "") || "."));
    }
  }
  return [];
}

function hasFolder(folders: Set<string>, root: string): boolean {
  for (const folder of folders) if (folder === root || folder.startsWith(`${root}/`)) return true;
  return false;
}
