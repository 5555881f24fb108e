// The harness the GitHubJobs tests share: a bare repository as the remote, a job store in a fresh
// folder, nock with only this machine reachable, and GitHubJobs made with the tests' usual options.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach } from "vitest";
import { DEFAULT_SETTINGS } from "../bot/github/app-settings.js";
import { GitHubJobStore, type GitHubJob } from "../bot/github/job-store.js";
import {
  GitHubJobs,
  type FollowUpRequest,
  type GitHubJobsOptions,
  type IssueRequest,
  type RetryRequest,
  type StartOutcome,
} from "../bot/github/jobs.js";
import { inProcessWorkers } from "../bot/pipeline/in-process-workers.js";
import { stubFileSolver } from "./fixtures.js";
import { bareRepository } from "./git-fixtures.js";
import { gitDataApi, type FakeGitData } from "./fake-git-data.js";
import { installationOctokit, LOCAL } from "./github-webhooks.js";

export { fileReport, jobTask } from "./github-job-fixture.js";

/** Who asks and where: alice, on octo/demo through installation 42, with the default settings. */
const ALICE_ON_DEMO = {
  owner: "octo",
  repo: "demo",
  installationId: 42,
  requestedBy: "alice",
  settings: DEFAULT_SETTINGS,
} as const;

/** Alice's request for issue #7 of octo/demo, "Build the app", with the default settings. */
export function issueRequest(over: Partial<IssueRequest> = {}): IssueRequest {
  return { ...ALICE_ON_DEMO, issueNumber: 7, title: "Build the app", body: "core and extra", ...over };
}

/** Alice's `/dellm retry` on issue #7 of octo/demo, with the default settings. */
export function retryRequest(over: Partial<RetryRequest> = {}): RetryRequest {
  return { ...ALICE_ON_DEMO, number: 7, ...over };
}

/** `/dellm <instruction>` by alice on issue #7 of octo/demo (or where `over` says), with the default settings. */
export function followUpRequest(instruction: string, over: Partial<FollowUpRequest> = {}): FollowUpRequest {
  return { ...retryRequest(), instruction, ...over };
}

/** The job an outcome started, once it has settled; throws when it did not start. */
export async function settled(outcome: StartOutcome, bot: GitHubJobs): Promise<GitHubJob> {
  if (!outcome.started) throw new Error(`not started: ${outcome.reason}`);
  return bot.settled(outcome.jobId)!;
}

type Defaulted = "store" | "workDir" | "distribution" | "auth" | "remoteUrl" | "commentIntervalMs";
export type JobsOptions = Omit<GitHubJobsOptions, Defaulted> & Partial<Pick<GitHubJobsOptions, Defaulted>>;

export interface JobsFixture {
  /** This test's folder. */
  readonly dir: string;
  /** The bare repository standing in for GitHub's (undefined when `files` was null). */
  readonly remote: string;
  /** GitHub's Git data API on `remote` through nock, with the calls it answered (undefined when `files` was null). */
  readonly gitData: FakeGitData;
  /** The job store at `dir`/dellm.db (undefined when `store` was false). */
  readonly store: GitHubJobStore;
  /** GitHubJobs on this fixture: its store, clones in `dir`/clones, in-process stub workers, installation 42's client. */
  githubJobs(options: JobsOptions): GitHubJobs;
}

export interface JobsFixtureOptions {
  /** mkdtemp's prefix of each test's folder. */
  prefix?: string;
  /** The remote's first commit (default: a README and app/core.py); null: no remote is made. */
  files?: Record<string, string> | null;
  /** Whether to open the job store before each test (default true). */
  store?: boolean;
}

/**
 * Registers a beforeEach (nock reaching only this machine, a fresh folder, the remote and GitHub's
 * Git data API on it, the store) and an afterEach (nock cleaned and reaching out again); call it at
 * the top level of a test file.
 */
export function jobsFixture(options: JobsFixtureOptions = {}): JobsFixture {
  const { prefix = "dellm-jobs-", store: openStore = true } = options;
  const files = options.files === undefined ? { "README.md": "# demo\n", "app/core.py": "x = 0\n" } : options.files;
  let dir: string;
  let remote: string;
  let gitData: FakeGitData;
  let store: GitHubJobStore;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(LOCAL); // webhook deliveries, the Docker daemon's socket, local fake APIs
    dir = await mkdtemp(join(tmpdir(), prefix));
    if (files) {
      remote = await bareRepository(dir, files);
      gitData = gitDataApi(remote);
    }
    if (openStore) store = await GitHubJobStore.open(join(dir, "dellm.db"));
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return {
    get dir() {
      return dir;
    },
    get remote() {
      return remote;
    },
    get gitData() {
      return gitData;
    },
    get store() {
      return store;
    },
    githubJobs: (jobOptions) =>
      new GitHubJobs({
        store,
        workDir: join(dir, "clones"),
        distribution: inProcessWorkers([stubFileSolver]),
        auth: async () => installationOctokit(),
        remoteUrl: () => remote,
        commentIntervalMs: 10,
        ...jobOptions,
      }),
  };
}
