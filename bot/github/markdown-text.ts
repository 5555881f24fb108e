// Untrusted text (a model's summary, a worker's reason, a file name) placed into GitHub Markdown: it
// stays readable, but cannot open HTML (an HTML comment would hide the rest of the body, a
// <details> fold it away), leave a table cell or code span, or leave a code block open so the
// bot's own table below it turns into code.
import { showUntrusted, showUntrustedLines } from "../../shared/display.js";

/** `<` that could start a tag, comment or declaration is shown as text; `a < b` is left alone. */
function noHtml(line: string): string {
  return line.replace(/<(?=[A-Za-z!/?])/g, "&lt;");
}

/** One line of prose (a note, an error): no line breaks, no HTML. */
export function markdownInline(text: string): string {
  return noHtml(showUntrusted(text));
}

/** A table cell: one line, no HTML, pipes escaped so the row keeps its columns. */
export function markdownCell(text: string): string {
  return markdownInline(text).replace(/\|/g, "\\|");
}

/** A code span inside a table cell (a file name): delimited by more backticks than it holds. */
export function codeSpanCell(text: string): string {
  const inner = showUntrusted(text).replace(/\|/g, "\\|");
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
 * Multi-line Markdown a model wrote (the PR summary): its lines and formatting stay, HTML outside
 * code blocks is shown as text, and a code block it opens is closed at its end.
 */
export function markdownBlock(text: string): string {
  let open: string | null = null;
  const lines = showUntrustedLines(text)
    .split("\n")
    .map((line) => {
      const fence = line.match(FENCE)?.[1];
      if (open === null) {
        // A backtick fence's info string may not hold a backtick (then it is no fence).
        if (fence && !(fence.startsWith("`") && line.slice(line.indexOf(fence) + fence.length).includes("`")))
          open = fence;
        return noHtml(line);
      }
      if (fence && fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = null;
      return line;
    });
  if (open !== null) lines.push(open);
  return lines.join("\n");
}
