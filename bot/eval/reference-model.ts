// Models that prove the harness rather than the product: the reference model answers every
// prompt of the pipeline with the suite's known-good plan and files (it must score 100 % on the
// hidden tests); the empty model plans the same way but writes no code (it must score 0 %).
// Their names say what they are, so their scores are never mistaken for a real model's. Like a real
// model, the reference answers a code prompt within the output budget it is given: an existing file
// longer than that can only be changed with edits (one per changed region).
import type { CodeModel, CompletionOptions } from "../../shared/model/code-model.js";
import type { Prompt } from "../../shared/prompts.js";
import { renderEdits } from "../../shared/edits/edit-answer.js";
import { renderFileBlocks } from "./baseline.js";
import { searchReplaceHunks } from "./reference-edits.js";
import type { EvalIssue } from "./suite.js";

/** Text only the edit instructions of 5.6 and repair contain. */
const EDIT_MARKER = "<<<<<<< SEARCH";

/** The existing file when the prompt shows all of it (shared/edits/file-view.ts), else null. */
function shownWholeFile(text: string): string | null {
  const start = /Its current content \(all \d+ lines\):\n/.exec(text);
  const end = text.lastIndexOf("\n\nSolve the task:");
  return start && end > start.index ? text.slice(start.index + start[0].length, end) : null;
}
export class ReferenceModel implements CodeModel {
  readonly name: string;
  readonly contextSize = 32_768;

  constructor(
    private readonly suite: EvalIssue[],
    private readonly code: "reference" | "empty" = "reference",
  ) {
    this.name = code === "reference" ? "reference (known-good answers)" : "empty (writes no code)";
  }

  async complete(prompt: Prompt, options: CompletionOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const issue = this.issueOf(prompt.text);
    switch (prompt.kind) {
      case "decompose":
        return JSON.stringify(issue.reference.plan, null, 1);
      case "can-solve":
        return "yes";
      case "summary":
        return `Reference solution of "${issue.title}": ${issue.reference.files.map((f) => f.path).join(", ")}.`;
      case "baseline":
        return this.code === "empty" ? "" : renderFileBlocks(issue.reference.files);
      case "code":
      case "repair": {
        if (this.code === "empty") return "";
        const reference = issue.reference.files.find((f) => f.path === prompt.file);
        if (!reference) throw new Error(`the reference model has no file "${prompt.file}" for "${issue.title}"`);
        if (!prompt.text.includes(EDIT_MARKER)) return this.withinBudget(reference.content, reference.path, options);
        // An existing file: the reference's difference from what the prompt shows, as edits.
        const current = shownWholeFile(prompt.text);
        if (current === null)
          throw new Error(
            `the reference model needs the whole of ${prompt.file} in the prompt to compute its edits; it was shown an outline`,
          );
        return this.withinBudget(renderEdits(searchReplaceHunks(current, reference.content)), reference.path, options);
      }
      default:
        throw new Error(`the reference model does not answer ${prompt.kind} prompts`);
    }
  }

  /** The answer, or an error when a model held to `maxTokens` could not have written it. */
  private async withinBudget(answer: string, file: string, options: CompletionOptions): Promise<string> {
    const tokens = await this.countTokens(answer);
    if (options.maxTokens !== undefined && tokens > options.maxTokens)
      throw new Error(
        `the reference answer for ${file} is ${tokens} tokens, over the ${options.maxTokens}-token output budget (a real model would be cut off)`,
      );
    return answer;
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}

  /** The issue whose title the prompt quotes (the longest, when one title contains another). */
  private issueOf(prompt: string): EvalIssue {
    const matches = this.suite
      .filter((issue) => prompt.includes(issue.title))
      .sort((a, b) => b.title.length - a.title.length);
    if (!matches[0])
      throw new Error(
        `the reference model knows no suite issue quoted in the prompt starting "${prompt.slice(0, 80)}"`,
      );
    return matches[0];
  }
}
