// Small models wrap answers in markdown, chatter around JSON and say "Yes." for yes:
// these helpers turn raw model text into the strict values the pipeline needs.
import { z } from "zod";

/** The code inside markdown fences (the longest block), or the whole text when there are none. */
export function stripMarkdownFences(text: string): string {
  const blocks = [...text.matchAll(/```[a-zA-Z0-9_+-]*[^\S\n]*\n([\s\S]*?)(?:```|$)/g)].map((m) => m[1] ?? "");
  if (blocks.length === 0) return text.trim() + (text.trim() ? "\n" : "");
  const longest = blocks.reduce((a, b) => (b.length > a.length ? b : a));
  return longest.replace(/\s+$/, "") + "\n";
}

/** 'yes' or 'no' when that is all the answer says (quotes, case and a full stop allowed), else null. */
export function parseYesNo(text: string): "yes" | "no" | null {
  const word = text
    .trim()
    .replace(/^["'`]+|["'`.!]+$/g, "")
    .trim()
    .toLowerCase();
  return word === "yes" || word === "no" ? word : null;
}

/** The first JSON value in the text (fenced or bare), parsed; throws with the reason when there is none. */
export function extractJson(text: string): unknown {
  const unfenced = /```/.test(text) ? stripMarkdownFences(text) : text;
  const start = unfenced.search(/[[{]/);
  if (start < 0) throw new Error("the answer contains no JSON");
  const open = unfenced[start]!;
  const close = open === "[" ? "]" : "}";
  const end = unfenced.lastIndexOf(close);
  if (end <= start) throw new Error("the answer's JSON is not closed");
  try {
    return JSON.parse(unfenced.slice(start, end + 1));
  } catch (error) {
    throw new Error(`the answer's JSON does not parse: ${(error as Error).message}`, { cause: error });
  }
}

/** Parse JSON out of model text and validate it; the error says what was wrong, for a retry prompt. */
export function parseModelJson<T>(text: string, schema: z.ZodType<T>): T {
  const value = extractJson(text);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`the answer's JSON has the wrong shape: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
