// Python's own parser (the ast module, end_lineno) locates definitions for symbol edits and outlines.
// It runs as the host's python3, not in the sandbox: ast.parse reads the text and never runs it, the
// script is fixed, the source goes in on stdin, and -I keeps the user's environment and site
// packages out; a container per parse would cost a second each, many times per task.
import { spawn } from "node:child_process";
import { z } from "zod";

export interface PythonSymbol {
  /** Dotted name from the module: "Table", "Table.search". */
  name: string;
  kind: "class" | "function";
  /** First line, its decorators included (1-based). */
  start: number;
  /** The `def`/`class` line. */
  line: number;
  /** Last line (ast's end_lineno). */
  end: number;
  /** Column of the `def`/`class` keyword. */
  col: number;
  /** Column of the first statement of its body. */
  bodyCol: number;
  /** The signature as written, on one line. */
  signature: string;
}

export interface PythonOutline {
  symbols: PythonSymbol[];
  /** Last line of the imports at the top of the module (0: none). */
  importsEnd: number;
  /** Last line of the module docstring (0: none). */
  docstringEnd: number;
}

export type PythonParse = { ok: true; outline: PythonOutline } | { ok: false; error: string };
export type ParsePython = (source: string) => Promise<PythonParse>;

const OUTLINE_SCRIPT = String.raw`
import ast, json, sys
src = sys.stdin.buffer.read().decode("utf-8", "replace")
try:
    tree = ast.parse(src)
except SyntaxError as e:
    print(json.dumps({"ok": False, "error": "SyntaxError: %s (line %s)" % (e.msg, e.lineno)}))
    sys.exit(0)
except (ValueError, RecursionError, MemoryError) as e:
    print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))
    sys.exit(0)
lines = src.split("\n")
symbols = []
def walk(body, prefix):
    for node in body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        first = node.body[0]
        head_end = max(node.lineno, first.lineno - 1)
        signature = " ".join(l.strip() for l in lines[node.lineno - 1:head_end])
        body_col = first.col_offset if first.lineno > node.lineno else node.col_offset + 4
        name = prefix + node.name
        symbols.append({"name": name, "kind": "class" if isinstance(node, ast.ClassDef) else "function",
            "start": min([d.lineno for d in node.decorator_list] + [node.lineno]), "line": node.lineno,
            "end": node.end_lineno, "col": node.col_offset, "bodyCol": body_col, "signature": signature[:200]})
        if isinstance(node, ast.ClassDef):
            walk(node.body, name + ".")
walk(tree.body, "")
docstring_end = 0
imports_end = 0
for index, node in enumerate(tree.body):
    if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        docstring_end = node.end_lineno
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        imports_end = node.end_lineno
    else:
        break
print(json.dumps({"ok": True, "outline": {"symbols": symbols, "importsEnd": imports_end, "docstringEnd": docstring_end}}))
`;

const ParseSchema = z.union([
  z.object({ ok: z.literal(false), error: z.string() }),
  z.object({
    ok: z.literal(true),
    outline: z.object({
      symbols: z.array(
        z.object({
          name: z.string(),
          kind: z.enum(["class", "function"]),
          start: z.number().int(),
          line: z.number().int(),
          end: z.number().int(),
          col: z.number().int(),
          bodyCol: z.number().int(),
          signature: z.string(),
        }),
      ),
      importsEnd: z.number().int(),
      docstringEnd: z.number().int(),
    }),
  }),
]);

const PARSE_TIMEOUT_MS = 20_000;

/** Parse with the host's python3 (DELLM_PYTHON overrides which); throws only when Python cannot run. */
export const parsePython: ParsePython = async (source) => {
  const python = process.env.DELLM_PYTHON ?? "python3";
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, ["-I", "-c", OUTLINE_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), PARSE_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `cannot run ${python} to parse Python (${error.message}); install python3 or point DELLM_PYTHON at it (dellm parses with Python's ast module and never runs the code)`,
          { cause: error },
        ),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else
        reject(
          new Error(
            `${python} could not parse the file (${signal ? `killed by ${signal}` : `exit ${code}`}): ${Buffer.concat(err).toString("utf8").slice(-500)}`,
          ),
        );
    });
    child.stdin.on("error", () => {}); // a python that exits early closes stdin; the exit code says why
    child.stdin.end(source);
  });
  return ParseSchema.parse(JSON.parse(output));
};

/** The symbol an edit names: the exact dotted name, else the only symbol whose last part matches. */
export function locateSymbol(outline: PythonOutline, name: string): PythonSymbol {
  const exact = outline.symbols.find((s) => s.name === name);
  if (exact) return exact;
  const last = name.split(".").at(-1)!;
  const candidates = outline.symbols.filter((s) => s.name.split(".").at(-1) === last);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1)
    throw new Error(
      `"${name}" is ambiguous: ${candidates.map((s) => s.name).join(", ")}; name it with its class, as in the outline`,
    );
  throw new Error(`no function or class "${name}" in the file; use a name from the outline`);
}
