// Text that came from a model, a worker or a sandbox is shown through these, so it cannot drive the
// terminal (colour a fake "passed", move the cursor, overwrite a line, reorder text with bidi
// controls) or add lines that pass for the program's own (a fake "- file.py (passed tests)" row).

/**
 * Characters that are invisible or act on the display instead of printing: C0 controls (ESC, CR,
 * backspace, newline…), DEL and the C1 controls (CSI is one), format characters (zero-width,
 * bidi overrides and isolates), and the Unicode line and paragraph separators.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v" };

function escaped(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** One line: every unprintable character, newlines and tabs included, shown as an escape (`\x1b`, `\n`). */
export function showUntrusted(text: string): string {
  return text.replace(UNPRINTABLE, escaped);
}

/**
 * A multi-line body (a test log, a summary): its line breaks stay (CRLF read as one), tabs stay,
 * every other unprintable character is escaped; a lone CR would overwrite the line it ends.
 */
export function showUntrustedLines(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.replace(UNPRINTABLE, (char) => (char === "\t" ? char : escaped(char))))
    .join("\n");
}

/** Whether text holds a character showUntrusted would escape (for refusing names outright). */
export function firstUnprintable(text: string): string | null {
  const match = text.match(new RegExp(UNPRINTABLE.source, "u"));
  return match ? escaped(match[0]) : null;
}

/** Text placed in HTML or SVG, inside an element or an attribute value: no tag, entity or quote survives. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Characters an id may show as: nothing else can mention, reference, link or paint anything. */
const UNSAFE_ID_CHARS = /[^A-Za-z0-9._-]+/g;
const MAX_ID_CHARS = 24;

/**
 * An id someone else chose (a worker's, up to 200 characters of any text) as the bot shows it:
 * runs of other characters become `_`, and a long one keeps its start and end (a peer id's start
 * is the same for every peer), so `closes #2 @acme/team` cannot close, mention or link anything.
 */
export function safeId(id: string): string {
  const safe = id.replace(UNSAFE_ID_CHARS, "_");
  return safe.length > MAX_ID_CHARS ? `${safe.slice(0, 12)}…${safe.slice(-(MAX_ID_CHARS - 13))}` : safe;
}
