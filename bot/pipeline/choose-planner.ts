// Which model plans, decided in one place for `dellm run`, `dellm serve` and `dellm eval`: Claude when
// asked for (or, on auto, when ANTHROPIC_API_KEY is set), checked with the Models API before any work
// is taken; otherwise the local GGUF model, which plans with the workers' output budget.
import type { DellmEnv } from "../../shared/config.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import { budgetFor } from "../../shared/token-budget.js";
import { UsageError } from "../../shared/usage-error.js";
import { openCodeModelForCommand } from "../../worker/model/open-code-model.js";
import { claudePlannerModel } from "./claude-planner-model.js";
import { Planner } from "./planner.js";

export type PlannerRequest = "auto" | "claude" | "local";
export type PlannerKind = "claude" | "local";

/** auto = Claude when a key is set; asking for Claude without a key is a usage error naming the variable. */
export function plannerKind(requested: PlannerRequest, env: DellmEnv): PlannerKind {
  if (requested === "claude" && !env.ANTHROPIC_API_KEY)
    throw new UsageError("--planner claude needs ANTHROPIC_API_KEY (in the environment or .env)");
  if (requested === "auto") return env.ANTHROPIC_API_KEY ? "claude" : "local";
  return requested;
}

/** The Claude planner, its key and model checked now (ClaudeSetupError: one line naming the problem and the models the key can use). */
export async function checkedClaudePlanner(env: DellmEnv, log: (line: string) => void): Promise<Planner> {
  const model = claudePlannerModel(env);
  const id = await model.check();
  const why = env.DELLM_CLAUDE_MODEL
    ? "DELLM_CLAUDE_MODEL, available to this key"
    : "the newest Sonnet this key can use; DELLM_CLAUDE_MODEL pins another";
  log(`[model] Claude ${id}: ${why}`);
  if (model.models.warning) log(`[model] warning: ${model.models.warning}`);
  return new Planner(model, { maxTokens: env.DELLM_CLAUDE_MAX_TOKENS });
}

/** A local planner shares the worker model's context, so it gets the worker's output budget. */
export function localPlanner(model: CodeModel): Planner {
  return new Planner(model, { maxTokens: budgetFor(model.contextSize).output });
}

/** The planner a long-running bot hands its jobs: made when first needed, disposed at the end. */
export interface PlannerSource {
  planner(): Promise<Planner>;
  dispose(): Promise<void>;
}

/**
 * For `dellm serve`: Claude when a key is set, checked before this resolves (a wrong key or model
 * stops the bot at start); else the local model, loaded on first use, a load failure naming the fix.
 */
export async function openPlannerSource(
  env: DellmEnv,
  modelSpec: string,
  log: (line: string) => void,
): Promise<PlannerSource> {
  if (plannerKind("auto", env) === "claude") {
    const planner = await checkedClaudePlanner(env, log);
    return { planner: async () => planner, async dispose() {} };
  }
  let model: Promise<CodeModel> | undefined;
  return {
    async planner() {
      model ??= openCodeModelForCommand(modelSpec, env.MODEL_THREADS, env, log);
      try {
        return localPlanner(await model);
      } catch (error) {
        model = undefined;
        throw new Error(
          `no ANTHROPIC_API_KEY is set, so the bot plans with its local model ${modelSpec}, and it could not be loaded (${(error as Error).message}); set ANTHROPIC_API_KEY or MODEL_PATH in the bot's environment`,
          { cause: error },
        );
      }
    },
    async dispose() {
      await (await model?.catch(() => undefined))?.dispose();
    },
  };
}
