// Decomposition (Query 5.1) and the final message (Query 5.7). The model behind them is
// swappable: Claude through @anthropic-ai/sdk, or the workers' local model when no key is set.
import { z } from "zod";
import {
  CLARIFYING_QUESTIONS_OPTION,
  decompositionPrompt,
  NO_MORE_QUESTIONS,
  renderPlan,
  summaryPrompt,
  type Prompt,
} from "../../shared/prompts.js";
import type { Task } from "../../shared/schemas.js";
import type { CompletionOptions } from "../../shared/model/code-model.js";
import { extractJson } from "../../shared/model/model-output.js";
import { PlanRejectedError, planSchemaProblems, validatePlan } from "./plan-validation.js";

/** The most clarifying questions one answer may ask, and the longest question taken. */
export const MAX_QUESTIONS = 3;
export const MAX_QUESTION_CHARS = 500;

/** The planner's other answer (issue 24): questions for the person who asked instead of a plan. */
export const QuestionsAnswerSchema = z.object({
  questions: z.array(z.string().trim().min(1).max(MAX_QUESTION_CHARS)).min(1).max(MAX_QUESTIONS),
});

/**
 * The request is too vague to plan: the planner asked these questions (refused absent), or its plans
 * were refused twice (refused: the reasons) and these generic ones ask for what a plan needs.
 */
export class ClarificationNeeded extends Error {
  override name = "ClarificationNeeded";
  constructor(
    readonly questions: string[],
    readonly refused?: string[],
  ) {
    super(`the planner needs answers to ${questions.length} question(s) before it can plan`);
  }
}

/** Asked when the planner's plans were refused twice: what every plan needs and a vague issue leaves out. */
export const REFUSED_PLAN_QUESTIONS = [
  "Which files should be created or changed (paths in the repository), and what should each one contain?",
  "What should the new code take as input and give back? An example call with its expected result helps.",
  "Is there anything the code must use or avoid (libraries, existing modules, where the tests go)?",
];

/** Any model that answers a prompt; CodeModel satisfies it, and so does ClaudePlannerModel. */
export interface PlannerModel {
  readonly name: string;
  /** The third party the prompts are sent to (e.g. "Anthropic's API"); absent when the model runs here. */
  readonly service?: string;
  complete(prompt: Prompt, options?: CompletionOptions): Promise<string>;
}

export interface PlannerOptions {
  /** Re-asks after an invalid plan, each told what was wrong (default 2). */
  retries?: number;
  maxTokens?: number;
}

/** JSON schema of a plan: constrains local models' grammar; Claude is told the same in words. */
export const planJsonSchema = {
  type: "array",
  minItems: 1,
  maxItems: 12,
  items: {
    type: "object",
    properties: {
      id: { type: "integer" },
      description: { type: "string" },
      file: { type: "string" },
      dependencies: { type: "array", items: { type: "integer" } },
      input_output_spec: { type: "string" },
      directory: { type: "string" },
      context: { type: "string" },
    },
    required: ["id", "description", "file", "dependencies", "input_output_spec", "directory", "context"],
  },
} as const;

/** JSON schema of the answer where the planner may ask instead (issue 24): a plan, or 1-3 questions. */
export const planOrQuestionsJsonSchema = {
  oneOf: [
    planJsonSchema,
    {
      type: "object",
      properties: {
        questions: { type: "array", minItems: 1, maxItems: MAX_QUESTIONS, items: { type: "string" } },
      },
      required: ["questions"],
    },
  ],
} as const;

/** A coding request from an issue: its title, then its body — how the GitHub App and `dellm eval` ask the planner. */
export function issueRequest(issue: { title: string; body: string }): string {
  return `${issue.title}\n\n${issue.body}`.trim();
}

export interface DecomposeOptions {
  signal?: AbortSignal;
  /** Appended to Query 5.1: what the repository already holds (see repositoryContext). */
  repositoryContext?: string;
  /** Plans with more tasks are re-asked, then refused. */
  maxTasks?: number;
  /**
   * The planner may answer with clarifying questions (ClarificationNeeded), and a plan refused twice
   * ends in questions too; false (default) or "no-more": it must plan, and `"no-more"` tells it so.
   */
  questions?: boolean | "no-more";
}

/** `{"questions": ...}`: the answer asks instead of planning (a plan is an array). */
function isQuestions(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "questions" in value;
}

export class Planner {
  private readonly retries: number;
  private readonly maxTokens: number;

  constructor(
    readonly model: PlannerModel,
    options: PlannerOptions = {},
  ) {
    this.retries = options.retries ?? 2;
    this.maxTokens = options.maxTokens ?? 4096;
  }

  /** Query 5.1, validated; invalid plans are re-asked with the reasons, then PlanRejectedError. */
  async decompose(userQuery: string, options: DecomposeOptions = {}): Promise<Task[]> {
    const { signal, maxTasks } = options;
    const mayAsk = options.questions === true;
    const limit = maxTasks ? `\n\nUse at most ${maxTasks} tasks.` : "";
    const base = decompositionPrompt(userQuery);
    const asking = mayAsk ? CLARIFYING_QUESTIONS_OPTION : options.questions === "no-more" ? NO_MORE_QUESTIONS : "";
    base.text += (options.repositoryContext ?? "") + limit + asking;
    const problems: string[] = [];
    for (let ask = 0; ask <= this.retries; ask++) {
      const prompt = problems.length
        ? {
            ...base,
            text: `${base.text}\n\nYour previous answer was rejected: ${problems.at(-1)}\nReturn ONLY the corrected JSON array.`,
          }
        : base;
      const answer = await this.model.complete(prompt, {
        maxTokens: this.maxTokens,
        jsonSchema: mayAsk ? planOrQuestionsJsonSchema : planJsonSchema,
        signal,
      });
      try {
        const value = extractJson(answer);
        if (isQuestions(value)) {
          if (!mayAsk) throw new PlanRejectedError(["questions cannot be asked now; return the plan as a JSON array"]);
          const parsed = QuestionsAnswerSchema.safeParse(value);
          if (!parsed.success) throw new PlanRejectedError([`the questions: ${planSchemaProblems(parsed.error)}`]);
          throw new ClarificationNeeded(parsed.data.questions);
        }
        const tasks = validatePlan(value);
        if (maxTasks && tasks.length > maxTasks)
          throw new PlanRejectedError([
            `the plan has ${tasks.length} tasks; this repository allows at most ${maxTasks}`,
          ]);
        return tasks;
      } catch (error) {
        if (error instanceof ClarificationNeeded) throw error;
        const reason = error instanceof PlanRejectedError ? error.problems.join("; ") : (error as Error).message;
        problems.push(`answer ${ask + 1}: ${reason}`);
        // A plan refused twice: the request is too vague to plan, so ask rather than guess again.
        if (mayAsk && problems.length >= 2) throw new ClarificationNeeded(REFUSED_PLAN_QUESTIONS, problems);
      }
    }
    throw new PlanRejectedError(problems);
  }

  /** Query 5.7 text; the caller appends the fixed results block. */
  async summarize(userQuery: string, tasks: Task[], signal?: AbortSignal, problems: string[] = []): Promise<string> {
    const answer = await this.model.complete(summaryPrompt(userQuery, renderPlan(tasks), problems), {
      maxTokens: 400,
      signal,
    });
    return answer.trim();
  }
}
