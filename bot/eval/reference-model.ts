// Models that prove the harness rather than the product: the reference model answers every
// prompt of the pipeline with the suite's known-good plan and files (it must score 100 % on the
// hidden tests); the empty model plans the same way but writes no code (it must score 0 %).
// Their names say what they are, so their scores are never mistaken for a real model's.
import type { CodeModel, CompletionOptions } from "../../shared/model/code-model.js";
import { renderFileBlocks } from "./baseline.js";
import type { EvalIssue } from "./suite.js";

export class ReferenceModel implements CodeModel {
  readonly name: string;
  readonly contextSize = 32_768;

  constructor(
    private readonly suite: EvalIssue[],
    private readonly code: "reference" | "empty" = "reference",
  ) {
    this.name = code === "reference" ? "reference (known-good answers)" : "empty (writes no code)";
  }

  async complete(prompt: string, options: CompletionOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const issue = this.issueOf(prompt);
    if (prompt.includes("break it down into subproblems")) return JSON.stringify(issue.reference.plan, null, 1);
    if (prompt.includes("Answer ONLY 'yes' or 'no'")) return "yes";
    if (prompt.includes("Keep response under 200 words")) return `Reference solution of "${issue.title}": ${issue.reference.files.map((f) => f.path).join(", ")}.`;
    if (this.code === "empty") return "";
    if (prompt.includes("ALL the files")) return renderFileBlocks(issue.reference.files);
    const file = prompt.match(/^- File: (.+)$/m)?.[1];
    const reference = issue.reference.files.find((f) => f.path === file);
    if (!reference) throw new Error(`the reference model has no file "${file}" for "${issue.title}"`);
    return reference.content;
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}

  /** The issue whose title the prompt quotes (the longest, when one title contains another). */
  private issueOf(prompt: string): EvalIssue {
    const matches = this.suite.filter((issue) => prompt.includes(issue.title)).sort((a, b) => b.title.length - a.title.length);
    if (!matches[0]) throw new Error(`the reference model knows no suite issue quoted in the prompt starting "${prompt.slice(0, 80)}"`);
    return matches[0];
  }
}
