/** Bad command-line input: the CLI prints the message and the usage text. */
export class UsageError extends Error {
  override name = "UsageError";
}
