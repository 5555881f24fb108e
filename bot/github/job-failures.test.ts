// What the issue is told when no volunteer answered: how to add one, and, for a repository with
// setup, which volunteers take its tasks (they choose to run setup, and to lend it their network).
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { explain } from "./job-failures.js";
import { NoResultsError } from "../engine/no-results.js";
import type { GitHubJob } from "./job-store.js";

const hint = "dellm-worker --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooWabc --coordinator 12D3KooWabc";
const jobWith = (settings: Partial<AppSettings>) =>
  ({
    owner: "octo",
    repo: "demo",
    branch: "dellm/issue-7",
    settings: { ...DEFAULT_SETTINGS, ...settings },
  }) as GitHubJob;
const noResults = new NoResultsError("no worker sent a result for any of the 2 tasks within 240 s");

describe("explain(NoResultsError)", () => {
  it("names how a worker joins", () => {
    const said = explain(noResults, jobWith({}), hint);
    expect(said).toBe(
      `no worker sent a result for any of the 2 tasks within 240 s. Are volunteer workers online? A worker joins with \`${hint}\`; then comment \`/dellm retry\` once one is running.`,
    );
  });

  it("says that only workers running setup take a repository with setup, and that a network setup needs --setup-network", () => {
    const offline = explain(noResults, jobWith({ setup: ["pip install ./vendor/pkg"] }), hint);
    expect(offline).toContain("This repository has `setup` commands: only workers that run them take its tasks");
    expect(offline).not.toContain("--setup-network");
    const network = explain(
      noResults,
      jobWith({ setup: ["pip install -r requirements.txt"], setup_network: true }),
      hint,
    );
    expect(network).toContain("`setup` commands that need the network");
    expect(network).toContain("only those started with `--setup-network`");
    expect(network).toContain(`\`${hint} --setup-network\``);
  });
});
