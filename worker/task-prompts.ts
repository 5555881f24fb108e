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
import { z } from "zod";
import { SubtaskSchema, type Attempt, type Subtask, type WorkItem } from "../shared/schemas.js";
import { renderEdits } from "../shared/edits/edit-answer.js";
import { budgetFor, fitPrompt } from "../shared/token-budget.js";
import { fileViews, type FileView } from "../shared/edits/file-view.js";
import { isSmallFile } from "../shared/edits/whole-file.js";
import type { ParsePython } from "../shared/edits/python-outline.js";

/** Characters a subtask's description and its input/output may have in a split answer. */
export const SUBTASK_TEXT_CHARS = 200;

/** Query 5.2's answer: "yes" or "no" under a JSON schema's grammar, in a few tokens. */
export const CAN_SOLVE_ANSWER = {
  jsonSchema: { type: "string", enum: ["yes", "no"] },
  maxTokens: 8,
} as const satisfies { jsonSchema: Record<string, unknown>; maxTokens: number };

/**
 * Query 5.3's answer: 2 to 4 subtasks under a JSON schema's grammar (the token limit is the output
 * budget). The grammar bounds every field, so a split always ends within the budget: a subtask is a
 * step of one file's task, said in a few sentences.
 */
export const SPLIT_ANSWER = {
  jsonSchema: {
    type: "array",
    minItems: 2,
    maxItems: 4,
    items: {
      type: "object",
      properties: {
        subtask_description: { type: "string", minLength: 1, maxLength: SUBTASK_TEXT_CHARS },
        subtask_input_output: { type: "string", maxLength: SUBTASK_TEXT_CHARS },
        subtask_order: { enum: [1, 2, 3, 4] },
      },
      required: ["subtask_description", "subtask_input_output", "subtask_order"],
    },
  },
} as const satisfies { jsonSchema: Record<string, unknown> };

/** What a split answer must parse to. */
export const SplitAnswerSchema = z.array(SubtaskSchema).min(2).max(4);

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
export type CodeInput = Omit<CodePromptInput, "plan" | "userQuery"> & {
  /**
   * The model is shown the existing file whole, as the bot gave it (`current_content`): a whole-file
   * answer is taken as well as edits (shared/edits/whole-file.ts). Not part of the prompt.
   */
  shownWhole?: boolean;
};

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
    const existing = item.task.existing_file;
    if (existing) {
      const view = await this.chooseView(item, targetPath, input, notes);
      input.fileView = view.text;
      // The bot writes a whole file only over the base its worker was given whole (current_content).
      input.shownWhole = view.label === "whole" && item.task.current_content === existing.content;
      if (input.shownWhole && isSmallFile(existing.content)) input.wholeFile = true;
    }
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
