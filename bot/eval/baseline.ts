// The baseline the pipeline is measured against: the same model asked once for the whole
// solution (no decomposition, no can-I-solve-it, no repair loop), its files written as they come.
import type { Prompt } from "../../shared/prompts.js";
import { repoRelativePath, UnsafePathError } from "../../shared/repo-path.js";
import type { SourceFile } from "../../shared/schemas.js";
import { stripMarkdownFences } from "../../shared/model/model-output.js";

const MAX_FILES = 20;
const FILE_MARKER = /^### FILE: *(.+?) *$/gm;

export function baselinePrompt(request: string, repository: readonly SourceFile[] = []): Prompt {
  const existing = repository.length
    ? `\n\nThe repository already holds these files; to change one, write it again in full:\n${renderFileBlocks(repository)}`
    : "";
  return {
    kind: "baseline",
    text: `Given the user query: ${request}${existing}

Write ALL the files needed to solve it in one answer. Put pytest test functions for the code
at the bottom of each file. Output each file as a line
### FILE: <path relative to the repository root>
followed by the file's complete content. Output ONLY the files, no explanations, no markdown.`,
  };
}

/** The answer format the baseline prompt asks for (the reference model writes it, tests read it). */
export function renderFileBlocks(files: readonly SourceFile[]): string {
  return files.map((f) => `### FILE: ${f.path}\n${f.content}`).join("\n");
}

/** Files from a baseline answer; unsafe or repeated paths are dropped with a note (model output is untrusted). */
export function parseFileBlocks(answer: string): { files: SourceFile[]; notes: string[] } {
  const notes: string[] = [];
  const marks = [...answer.matchAll(FILE_MARKER)];
  const files: SourceFile[] = [];
  marks.forEach((mark, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.index! : answer.length;
    const content = stripMarkdownFences(answer.slice(mark.index! + mark[0].length, end).replace(/^\n/, ""));
    try {
      const path = repoRelativePath("", mark[1]!);
      if (!path.endsWith(".py")) notes.push(`skipped ${path}: only Python files are written`);
      else if (files.some((f) => f.path === path)) notes.push(`skipped a second ${path}`);
      else if (files.length >= MAX_FILES) notes.push(`skipped ${path}: more than ${MAX_FILES} files`);
      else files.push({ path, content: content.endsWith("\n") ? content : `${content}\n` });
    } catch (error) {
      if (!(error instanceof UnsafePathError)) throw error;
      notes.push(error.message);
    }
  });
  if (marks.length === 0) notes.push('the answer has no "### FILE:" blocks');
  return { files, notes };
}
