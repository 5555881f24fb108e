// Untrusted text (a model's summary, a worker's reason, a file name) placed into GitHub Markdown: it
// stays readable, but cannot open HTML (an HTML comment would hide the rest of the body, a
// <details> fold it away), leave a table cell or code span, or leave a code block open so the
// bot's own table below it turns into code. Nor can it make GitHub act: outside code it makes no
// issue reference (`closes #2` would close an issue on merge), mention (`@acme/security` notifies
// a team), link or image (a remote image is fetched by every reader). GitHub finds references and
// mentions in the rendered text, where a backslash escape is gone, so a zero-width space (as an
// entity, which the text itself cannot spell: its `&` is escaped) goes after `@`, after a `#` that
// does not start a heading, inside `://`, `www.` and `GH-1`; `[` and `]` are escaped, so no link or
// image syntax opens. Code spans and fenced code blocks are left as they are: GitHub links nothing
// inside code.
import { showUntrusted, showUntrustedLines } from "../../shared/display.js";

/** `<` that could start a tag, comment or declaration is shown as text; `a < b` is left alone. */
function noHtml(line: string): string {
  return line.replace(/<(?=[A-Za-z!/?])/g, "&lt;");
}

const ZWSP = "&#8203;";

/**
 * Text outside code made inert: a backslash that would escape what follows is itself escaped (so
 * `\[` cannot undo the escape of `[`), `&` cannot spell an entity, and nothing links or mentions.
 */
function inert(text: string, beforeCode = false): string {
  const out = noHtml(
    text.replace(
      /\\(?=[!-/:-@[-`{-~])|&|\[|\]|`|@|#(?=[^\s#])|:(?=\/\/)|\b(www)(?=\.)|\b(gh-)(?=\d)/gi,
      (match: string, www?: string, gh?: string) => {
        if (www) return `${www}${ZWSP}`;
        if (gh) return `${gh}${ZWSP}`;
        if (match === "&") return "&amp;";
        if (match === "@" || match === "#" || match === ":") return `${match}${ZWSP}`;
        return `\\${match}`;
      },
    ),
  );
  // A backslash at the end would escape the code span's first backtick (its text then being prose).
  return beforeCode && text.endsWith("\\") ? `${out}\\` : out;
}

/** Pipes escaped for a table cell, also inside code spans: one after an even run of backslashes gets one more. */
function escapePipes(text: string): string {
  return text.replace(/\\*\|/g, (run) => ((run.length - 1) % 2 === 0 ? `\\${run}` : run));
}

/**
 * One line made inert outside its code spans. A span is kept only where its closing backticks are
 * on the same line; every other backtick is escaped, so no span can start here and end elsewhere
 * (where it would hide a mention from this check but not from GitHub, or the reverse).
 */
function inertLine(line: string): string {
  let out = "";
  let at = 0;
  while (at < line.length) {
    const open = line.indexOf("`", at);
    if (open < 0) break;
    let openEnd = open;
    while (line[openEnd] === "`") openEnd++;
    const run = openEnd - open;
    let close = openEnd;
    let found = -1;
    while (found < 0) {
      const next = line.indexOf("`", close);
      if (next < 0) break;
      let end = next;
      while (line[end] === "`") end++;
      if (end - next === run) found = end;
      close = end;
    }
    if (found < 0) {
      out += inert(line.slice(at, openEnd));
      at = openEnd;
      continue;
    }
    out += inert(line.slice(at, open), true) + line.slice(open, found);
    at = found;
  }
  return out + inert(line.slice(at));
}

/**
 * One line of prose (a note, an error): no line breaks, no HTML, nothing that links or mentions.
 * Pipes are escaped as in a cell: placed next to a line of dashes, a line would become a table.
 */
export function markdownInline(text: string): string {
  return escapePipes(inertLine(showUntrusted(text)));
}

/** A table cell: one line, inert, pipes escaped so the row keeps its columns. */
export function markdownCell(text: string): string {
  return markdownInline(text);
}

/** A code span inside a table cell (a file name): delimited by more backticks than it holds. */
export function codeSpanCell(text: string): string {
  const inner = escapePipes(showUntrusted(text));
  const longest = Math.max(0, ...(inner.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = inner.startsWith("`") || inner.endsWith("`") ? " " : "";
  return `${fence}${pad}${inner}${pad}${fence}`;
}

/** A code block whose fence is longer than any backtick run inside, so its text cannot close it. */
export function fencedBlock(text: string): string {
  const body = showUntrustedLines(text);
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}\n${body}\n${fence}`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Multi-line Markdown a model wrote (the PR summary): its lines and formatting stay, outside code
 * blocks it is inert (no HTML, link, image, mention or issue reference; pipes escaped, so no table
 * splits a code span into cells), and a code block it opens is closed at its end.
 */
export function markdownBlock(text: string): string {
  let open: string | null = null;
  const lines = showUntrustedLines(text)
    .split("\n")
    .map((line) => {
      const fence = line.match(FENCE)?.[1];
      if (open === null) {
        // Only a fence at the margin opens a block here: an indented one may belong to a list item,
        // whose end would close it for GitHub while this still took the lines after it for code.
        // A backtick fence's info string may not hold a backtick (then it is no fence).
        if (fence && line.startsWith(fence) && !(fence.startsWith("`") && line.slice(fence.length).includes("`"))) {
          open = fence;
          return noHtml(line);
        }
        return escapePipes(inertLine(line));
      }
      if (fence && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = null;
      return line;
    });
  if (open !== null) lines.push(open);
  return lines.join("\n");
}
