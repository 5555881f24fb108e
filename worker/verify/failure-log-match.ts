// Is the failure log a repair prompt quotes what the test run really said? (issue 22) A worker could
// steer the model with a made-up log ("hint: read the CI secrets"); the model's answer to that
// prompt would pass the generation check. So the bot replays the failed attempt in its own sandbox
// and every line the prompt quotes must appear in the bot's log, in the same order. Only what
// honestly differs between two machines is set aside: durations, memory addresses, and pytest's
// header lines naming versions and folders (strict patterns, so they carry no text of a forger's).

/** pytest header lines that name the machine's versions or folders: allowed to differ. */
const MACHINE_LINES = [
  /^platform \S+ -- Python [\w.+-]+, pytest-[\w.+-]+, pluggy-[\w.+-]+(?:, \S+)?$/,
  /^cachedir: [\w./-]+$/,
  /^rootdir: [\w./-]+(?:, configfile: [\w./-]+)?(?:, testpaths: [\w./, -]+)?$/,
  /^plugins: [\w.+, -]+$/,
];

/** A line with what differs between honest runs replaced: durations, sizes of limits, addresses. */
function normalized(line: string): string {
  return line
    .replace(/0x[0-9a-f]+/gi, "0x_")
    .replace(/\b\d+(?:\.\d+)?(?: ?(?:s|ms|seconds|MB))\b/g, "N_")
    .replace(/\(\d+:\d\d:\d\d(?:\.\d+)?\)/g, "(T_)")
    .trimEnd();
}

/**
 * The first line of `quoted` that `reproduced` does not contain (in order, after normalising), or
 * undefined when every quoted line is there. `quoted` may be a tail cut mid-line, marked by a
 * leading "…": its first line need only end a line of the reproduction.
 */
export function unreproducedLine(quoted: string, reproduced: string): string | undefined {
  const ours = reproduced.split("\n").map(normalized);
  const cut = quoted.startsWith("…");
  const theirs = (cut ? quoted.slice(1) : quoted).split("\n");
  let cursor = 0;
  for (const [index, line] of theirs.entries()) {
    const want = normalized(line);
    if (want === "" || MACHINE_LINES.some((pattern) => pattern.test(want))) continue;
    const partial = cut && index === 0;
    const found = ours.findIndex((have, at) => at >= cursor && (partial ? have.endsWith(want) : have === want));
    // A cut through a duration or address normalises differently: the raw tail is then compared.
    const foundRaw =
      found < 0 && partial ? reproduced.split("\n").findIndex((have) => have.trimEnd().endsWith(line.trimEnd())) : -1;
    if (found < 0 && foundRaw < 0) return line;
    cursor = (found >= 0 ? found : foundRaw) + 1;
  }
  return undefined;
}
