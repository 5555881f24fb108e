// `npm run bench -- verify`: what the generation check costs against generating the answer, on the
// Qwen2.5-1.5B-shaped random model (same time per token as the real one). The producer generates a
// greedy answer to a prompt of about 1,500 tokens (a repository file shown whole, as in a brownfield
// task); a second model instance with its own, empty context checks it (one prefill over prompt +
// answer, logits at each answer position), as a bot or another volunteer would. A third, with one
// thread and batch 32, checks the same answers: the worst near-tie gap across settings.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { codePrompt, type Prompt } from "../shared/prompts.js";
import type { Task } from "../shared/schemas.js";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";
import { DEFAULT_MAX_LOGIT_GAP } from "../worker/model/generation-check.js";
import { benchmarkModel } from "./generation.js";

export interface GenerationCheckFigure {
  file: string;
  promptTokens: number;
  answerTokens: number;
  generateSeconds: number;
  checkSeconds: number;
  ratio: number;
  worstGap: number;
}

export async function benchGenerationCheck(
  options: { threads?: number; answerTokens?: number; prompts?: number; log?: (line: string) => void } = {},
): Promise<{ figures: GenerationCheckFigure[]; overallRatio: number; worstGap: number; allowedGap: number }> {
  const log = options.log ?? console.log;
  const threads = options.threads ?? 2;
  const answerTokens = options.answerTokens ?? 256;
  const modelPath = await benchmarkModel(undefined, log);
  const prompts = await brownfieldPrompts(options.prompts ?? 3);
  const producer = await LlamaCodeModel.load({ model: modelPath, threads, gpu: "off" });
  const answers: {
    prompt: Prompt;
    file: string;
    transcript: NonNullable<LlamaCodeModel["lastTranscript"]>;
    seconds: number;
    promptTokens: number;
  }[] = [];
  try {
    for (const { prompt, file } of prompts) {
      const started = performance.now();
      await producer.complete(prompt, { maxTokens: answerTokens, ignoreEos: true });
      answers.push({
        prompt,
        file,
        transcript: producer.lastTranscript!,
        seconds: (performance.now() - started) / 1000,
        promptTokens: producer.promptTokens(prompt.text).length,
      });
    }
  } finally {
    await producer.dispose();
  }
  const figures: GenerationCheckFigure[] = [];
  let worstGap = 0;
  for (const setting of [
    { threads, batchSize: 256 },
    { threads: 1, batchSize: 32 },
  ]) {
    const verifier = await LlamaCodeModel.load({ model: modelPath, gpu: "off", ...setting });
    try {
      for (const answer of answers) {
        const started = performance.now();
        // Each check starts from an empty context, as on a machine that has not seen the prompt.
        const check = await verifier.checkAnswer(
          { ...answer.prompt, file: `${answer.file}#${setting.batchSize}` },
          answer.transcript,
          {
            maxTokens: answerTokens,
          },
        );
        const seconds = (performance.now() - started) / 1000;
        worstGap = Math.max(worstGap, check.worstGap);
        if (!check.ok)
          log(
            `[bench] FALSE ALARM on ${answer.file} (${setting.threads} threads, batch ${setting.batchSize}): ${check.reason}`,
          );
        if (setting.batchSize !== 256) continue;
        const figure = {
          file: answer.file,
          promptTokens: answer.promptTokens,
          answerTokens: answer.transcript.tokens.length,
          generateSeconds: answer.seconds,
          checkSeconds: seconds,
          ratio: seconds / answer.seconds,
          worstGap: check.worstGap,
        };
        figures.push(figure);
        log(
          `[bench] ${figure.file}: ${figure.promptTokens} prompt + ${figure.answerTokens} answer tokens: generated in ${figure.generateSeconds.toFixed(1)} s, checked in ${figure.checkSeconds.toFixed(1)} s (${figure.ratio.toFixed(2)}x), gap ${figure.worstGap.toFixed(3)}`,
        );
      }
    } finally {
      await verifier.dispose();
    }
  }
  const overallRatio =
    figures.reduce((sum, f) => sum + f.checkSeconds, 0) / figures.reduce((sum, f) => sum + f.generateSeconds, 0);
  log(
    `[bench] check ÷ generation over ${figures.length} answers: ${overallRatio.toFixed(2)}x; worst gap of an honest answer across 2 settings: ${worstGap.toFixed(3)} logits (allowed ${DEFAULT_MAX_LOGIT_GAP})`,
  );
  return { figures, overallRatio, worstGap, allowedGap: DEFAULT_MAX_LOGIT_GAP };
}

/** Code prompts that show a brownfield repository's module whole (about 1,500 tokens with the template). */
async function brownfieldPrompts(count: number): Promise<{ prompt: Prompt; file: string }[]> {
  const root = join("eval", "suite", "brownfield");
  const prompts: { prompt: Prompt; file: string }[] = [];
  for (const issue of (await readdir(root)).sort()) {
    if (prompts.length >= count) break;
    const repository = join(root, issue, "repository");
    const sources = await listPython(repository);
    const file = sources.find((path) => !path.includes("test"));
    if (!file) continue;
    // The module, with its neighbours appended until the prompt is about 1,500 tokens long.
    let content = "";
    for (const path of [file, ...sources.filter((p) => p !== file)]) {
      if (content.length > 5_000) break;
      content += `${await readFile(join(repository, path), "utf8")}\n`;
    }
    const task: Task = {
      id: 1,
      description: `Extend ${file} as the issue asks`,
      file,
      dependencies: [],
      input_output_spec: "as the issue says",
      directory: "",
      context: "",
      current_content: content,
    };
    prompts.push({ file, prompt: codePrompt({ userQuery: `Improve ${file}`, plan: `1. ${task.description}`, task }) });
  }
  return prompts;
}

async function listPython(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await listPython(join(dir, entry.name), path)));
    else if (entry.name.endsWith(".py")) found.push(path);
  }
  return found;
}
