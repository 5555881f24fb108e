// When a worker's answer for an existing file may be the whole new file instead of edits (issue
// 23). The bot writes a whole file only over a base its worker's model saw in full (the task's
// `current_content`, bot/pipeline/existing-file-guard.ts), so a worker takes one only when its
// prompt showed the file whole. Small files, shown whole, are asked for whole: small models apply
// edits less reliably than they retype a short file (Aider's finding); a long file keeps edits,
// whose size does not grow with the file and which never drop lines the model did not retype.

/** Small enough to ask for the whole file: about a screenful, well inside any model's context. */
export const SMALL_FILE = { lines: 120, chars: 4_000 } as const;

export function isSmallFile(content: string): boolean {
  return content.length <= SMALL_FILE.chars && content.split("\n").length <= SMALL_FILE.lines;
}

const EDIT_BLOCK = /^(<{5,9} ?SEARCH\s*$|@@@ *(REPLACE|INSERT AFTER|INSERT INTO|IMPORTS)\b)/im;

/** Whether an answer is written as edits (a SEARCH block or an @@@ header) rather than a whole file. */
export function looksLikeEdits(answer: string): boolean {
  return EDIT_BLOCK.test(answer);
}
