// The prompts a worker asks its model for one task, built only from the work item and the model's
// own token counts. Kept apart from the executor so that a verifier with the same model rebuilds
// exactly the prompt a volunteer answered (issue 22): it never takes a prompt from the volunteer.
import {
  canSolvePrompt,
  codePrompt,
  renderPlan,
  repairPrompt,
  splitPrompt,
  type CodePromptInput,
  type Prompt,
} from "../shared/prompts.js";
import type { Attempt, Subtask, WorkItem } from "../shared/schemas.js";
import { renderEdits } from "../shared/edits/edit-answer.js";
import { budgetFor, fitPrompt } from "../shared/token-budget.js";
import { fileViews, type FileView } from "../shared/edits/file-view.js";
import type { ParsePython } from "../shared/edits/python-outline.js";

/** What prompts depend on of the model: its context and its tokenizer. */
export interface PromptModel {
  readonly contextSize: number;
  countTokens(text: string): Promise<number>;
}

/** Prompt tokens kept free when choosing a file view, for the repair round's answer and log. */
const REPAIR_ROOM_TOKENS = 1_500;

/**
 * What a repair prompt shows of the previous attempt: its code, or for an existing file its edits
 * (as parsed, else the model's raw answer, so the model sees what it wrote).
 */
export function previousAnswerOf(
  existingFile: boolean,
  previous: Pick<Attempt, "code" | "edits">,
  rawAnswer: string,
): string {
  if (!existingFile) return previous.code;
  return previous.edits ? renderEdits(previous.edits) : rawAnswer;
}

/** The code prompt's fixed part for one task: the task, its subtasks, dependencies and file view. */
export type CodeInput = Omit<CodePromptInput, "plan" | "userQuery">;

export class TaskPrompts {
  constructor(
    private readonly model: PromptModel,
    private readonly parse: ParsePython,
  ) {}

  /** Query 5.2. */
  canSolve(item: WorkItem, notes: string[]): Promise<Prompt> {
    return this.fit(
      item,
      (userQuery, plan, instructions) => canSolvePrompt({ userQuery, plan, task: item.task, instructions }),
      notes,
    );
  }

  /** Query 5.3. */
  split(item: WorkItem, notes: string[]): Promise<Prompt> {
    return this.fit(item, (userQuery, plan) => splitPrompt({ userQuery, plan, task: item.task }), notes);
  }

  /** The code prompt's fixed part: with the file view chosen for an existing file. */
  async codeInput(item: WorkItem, targetPath: string, subtasks: Subtask[] | undefined, notes: string[]) {
    const input: CodeInput = {
      task: item.task,
      subtasks,
      dependencyPaths: item.dependencyFiles.map((f) => f.path),
    };
    if (item.task.existing_file) input.fileView = (await this.chooseView(item, targetPath, input, notes)).text;
    return input;
  }

  /** Query 5.6 (first attempt), or the repair prompt quoting the previous answer and its failure. */
  attempt(
    item: WorkItem,
    input: CodeInput,
    previous: { answer: string; failureLog: string } | undefined,
    notes: string[],
  ): Promise<Prompt> {
    return this.fit(
      item,
      (userQuery, plan, instructions) =>
        previous
          ? repairPrompt({
              ...input,
              userQuery,
              plan,
              instructions,
              previousCode: previous.answer,
              failureLog: previous.failureLog,
            })
          : codePrompt({ ...input, userQuery, plan, instructions }),
      notes,
    );
  }

  /** Tokens an answer may take: what the budget leaves of the context. */
  outputTokens(): number {
    return budgetFor(this.model.contextSize).output;
  }

  private async fit(
    item: WorkItem,
    build: (userQuery: string, plan: string, instructions: string | undefined) => Prompt,
    notes: string[],
  ): Promise<Prompt> {
    const fitted = await fitPrompt({
      userQuery: item.userQuery,
      plan: item.plan,
      task: item.task,
      build,
      contextSize: this.model.contextSize,
      count: (text) => this.model.countTokens(text),
    });
    const shortened = "the repository's instructions shortened to fit the token budget";
    if (fitted.instructionsShortened && !notes.includes(shortened)) notes.push(shortened);
    const note = fitted.queryTruncated
      ? "user query and plan shortened to fit the token budget"
      : fitted.planSummarised
        ? "plan summarised to fit the token budget"
        : undefined;
    if (note && !notes.includes(note)) notes.push(note);
    return fitted.prompt;
  }

  /**
   * What the model is shown of an existing file: the richest view (whole file, outline and the
   * definitions the task names, outline alone) whose code prompt leaves room for a repair round.
   */
  private async chooseView(item: WorkItem, targetPath: string, input: CodeInput, notes: string[]): Promise<FileView> {
    const content = item.task.existing_file!.content;
    const parsed = await this.parse(content);
    if (!parsed.ok) notes.push(`${targetPath} does not parse (${parsed.error}); its model gets no outline`);
    const views = fileViews(targetPath, content, parsed.ok ? parsed.outline : null, item.task);
    const room = budgetFor(this.model.contextSize).prompt - REPAIR_ROOM_TOKENS;
    const plan = renderPlan(item.plan);
    for (const view of views) {
      const prompt = codePrompt({ ...input, fileView: view.text, userQuery: item.userQuery, plan });
      if ((await this.model.countTokens(prompt.text)) <= room || view === views.at(-1)) {
        if (view.label !== "whole")
          notes.push(`the model was shown ${view.label} of ${targetPath}, not the whole file`);
        return view;
      }
    }
    throw new Error("unreachable: the last view is always taken");
  }
}
