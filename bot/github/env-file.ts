// Writing settings into .env the way a person would: existing lines (comments, other variables)
// stay, the given variables are replaced in place or appended; the file is readable by its owner
// only, since it now holds the GitHub App's secrets (written to an owner-only temporary file and
// renamed over, so its secrets are never readable by others, not even for a moment).
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../../shared/atomic-file.js";

export async function updateEnvFile(file: string, values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || /[\r\n]/.test(value))
      throw new Error(`cannot write ${key} into ${file}: a variable is one line`);
  }
  const existing = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const pending = new Map(Object.entries(values));
  const lines = existing.split("\n").map((line) => {
    const key = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/)?.[1];
    if (!key || !pending.has(key)) return line;
    const value = pending.get(key)!;
    pending.delete(key);
    return `${key}=${quote(value)}`;
  });
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  for (const [key, value] of pending) lines.push(`${key}=${quote(value)}`);
  await writeFileAtomic(file, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/** Quoted when the value has characters a .env reader would cut at (spaces, #); node's reader has no escapes. */
function quote(value: string): string {
  if (/^[\w./:@+-]*$/.test(value)) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new Error("cannot write a value with both kinds of quotes into .env");
}
