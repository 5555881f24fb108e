// A result travels as one signed record (MAX_RECORD_BYTES). A task that edits a big file carries
// the whole file in every attempt as well as in the result, which can pass the limit; the worker
// would then lose the work at submit. What the bot never reads goes first: the attempts' copies of
// the code (the result's code is the last attempt's), then the attempts' logs, then the result's
// log is shortened. The code the bot re-tests and merges is never cut, and a note says what was left out.
import type { Result } from "../schemas.js";
import { MAX_RECORD_BYTES } from "./signed-record.js";

/** Room left in a record for its envelope (key, signer, times, signature). */
const ENVELOPE_BYTES = 8 * 1024;
const ATTEMPT_LOG_CHARS = 2_000;
const RESULT_LOG_CHARS = 8_000;

export class ResultTooLargeError extends Error {
  override name = "ResultTooLargeError";
}

/** `result` itself when it fits a record, else a copy with the steps above applied until it does. */
export function fitResult(result: Result, maxBytes = MAX_RECORD_BYTES - ENVELOPE_BYTES): Result {
  if (size(result) <= maxBytes) return result;
  const steps: { apply: (r: Result) => Result; note: string }[] = [
    {
      apply: (r) => ({ ...r, attempts: r.attempts.map((a) => ({ ...a, code: "" })) }),
      note: "each attempt's copy of the code (the result's code is the last attempt's)",
    },
    {
      apply: (r) => ({
        ...r,
        attempts: r.attempts.map((a) => ({
          ...a,
          test: {
            ...a.test,
            stdout: tail(a.test.stdout, ATTEMPT_LOG_CHARS),
            stderr: tail(a.test.stderr, ATTEMPT_LOG_CHARS),
          },
        })),
      }),
      note: `the attempts' test output beyond its last ${ATTEMPT_LOG_CHARS} characters`,
    },
    {
      apply: (r) => ({ ...r, test_logs: tail(r.test_logs, RESULT_LOG_CHARS) }),
      note: `the test log beyond its last ${RESULT_LOG_CHARS} characters`,
    },
  ];
  let fitted = result;
  const leftOut: string[] = [];
  for (const step of steps) {
    fitted = step.apply(fitted);
    leftOut.push(step.note);
    const noted = withNote(fitted, leftOut, maxBytes);
    if (size(noted) <= maxBytes) return noted;
  }
  throw new ResultTooLargeError(
    `the result of task ${result.task_id} is ${size(fitted)} bytes even without its attempts' code and long logs; ` +
      `a record holds ${maxBytes} (the file itself is ${Buffer.byteLength(result.code)} bytes)`,
  );
}

function withNote(result: Result, leftOut: string[], maxBytes: number): Result {
  const note = `Left out to fit the ${Math.round(maxBytes / 1024)} KiB result record: ${leftOut.join("; ")}.`;
  return { ...result, notes: [...result.notes, note].slice(-50) };
}

const size = (result: Result) => Buffer.byteLength(JSON.stringify(result));
const tail = (text: string, chars: number) => (text.length <= chars ? text : `…${text.slice(-chars)}`);
