// What every `dellm` command is given by the entry point (bot/cli.ts), which alone reads process.env.
import type { DellmEnv } from "../../shared/config.js";

export interface CommandContext {
  /** The validated settings (shared/config.ts documents each variable). */
  env: DellmEnv;
  /** The raw variables, for settings a command validates itself (dellm serve: the GitHub App's). */
  variables: NodeJS.ProcessEnv;
  log: (line: string) => void;
}
