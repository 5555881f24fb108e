// One JSON message of a swarm protocol (coordinator, snapshot): written as UTF-8 JSON, read back
// only through its zod schema, so a malformed or hostile message is an error that says what it was.
import { z } from "zod";

export const encodeMessage = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** The message in `bytes` checked against `schema`; `what` names it in the error. */
export function decodeMessage<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${what} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
