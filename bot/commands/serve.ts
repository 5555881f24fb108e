// `dellm serve`: the GitHub App. A Probot webhook server, the swarm coordinator the jobs go to, and
// the job store in the state database that a restart resumes from. Settings come from the environment / .env.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Probot, Server, type ApplicationFunction } from "probot";
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import { presentVariables } from "../../shared/config.js";
import { openPlannerSource } from "../pipeline/choose-planner.js";
import { dellmApp } from "../github/webhooks.js";
import { openVerifier } from "../pipeline/result-verifier.js";
import { NO_MODEL_TO_CHECK, openGenerationVerifier } from "../../worker/verify/generation-verifier.js";
import { recordVerdict, vettingFrom } from "../swarm/result-vetting.js";
import type { Result } from "../../shared/schemas.js";
import type { JobModel } from "../swarm/coordinator.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { DeliveryLog } from "../github/deliveries.js";
import { githubRemote, type RemoteUrl } from "../github/checkout.js";
import { GitHubJobStore } from "../github/job-store.js";
import { importJobFiles } from "../github/job-import.js";
import { schedulePruning } from "../state/pruning.js";
import { GitHubJobs } from "../github/jobs.js";
import { swarmWorkers } from "../swarm/swarm-workers.js";
import { needsRegistration, registerApp } from "../github/app-registration.js";
import { withWebhookIntake } from "../github/webhook-intake.js";
import type { CommandContext } from "./context.js";
import { startCoordinator } from "./start-coordinator.js";
import { swarmFlags, swarmOptionsFrom } from "./swarm-options.js";
import { SetupImages } from "../../shared/sandbox/setup-image.js";
import { sweepLeftoverContainers } from "../../shared/sandbox/leftover-containers.js";
import { healthHandler, HEALTH_PATH } from "./serve-health.js";
import { limitedOctokit } from "../github/octokit-limits.js";

/** A stop (SIGTERM) that takes longer than this exits anyway: saved jobs resume on the next start. */
const STOP_GRACE_MS = 20_000;
const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

const AppEnvSchema = z.object({
  APP_ID: z.coerce
    .number({ error: "APP_ID is required: the number GitHub shows on the app's settings page" })
    .int()
    .positive(),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: z.string({ error: "WEBHOOK_SECRET is required: the secret set on the app's settings page" }),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  WEBHOOK_PATH: z.string().startsWith("/").default("/api/github/webhooks"),
  WEBHOOK_PROXY_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  /** GitHub Enterprise Server (Probot's variables): the API is then at GHE_PROTOCOL://GHE_HOST/api/v3. */
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["https", "http"]).default("https"),
  /** Where repositories are cloned from and pushed to: {owner}, {repo} and {token} are filled in. */
  DELLM_GIT_URL: z
    .string()
    .includes("{repo}", { message: "DELLM_GIT_URL must contain {owner}, {repo} and usually {token}" })
    // Only a URL's user or password is handed to git through its environment (checkout.ts); a token
    // anywhere else would sit on git's command line, where any local user reads it.
    .refine((url) => !url.includes("{token}") || /^https?:\/\/[^/@]*\{token\}[^/@]*@/i.test(url), {
      message:
        "DELLM_GIT_URL may carry {token} only as the user or password of an http(s) URL, e.g. https://x-access-token:{token}@git.example.com/{owner}/{repo}.git",
    })
    .optional(),
});
type AppEnv = z.infer<typeof AppEnvSchema>;

export const SERVE_USAGE = `Usage:
  dellm serve [--model <spec>] [--listen <multiaddr>] [--announce <multiaddr>] [--key <file>]
              [--bootstrap <multiaddr>] [--lease <s>]

Runs the GitHub App: webhooks on http://HOST:PORT/WEBHOOK_PATH, GET /health for probes, jobs
(at most DELLM_MAX_JOBS at once, the rest queued) handed to the swarm of dellm-worker volunteers
joining this node. SIGTERM, SIGINT or SIGHUP stops it; running jobs are saved and resume.
Environment (or .env): APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT,
ANTHROPIC_API_KEY; see .env.example.
With no APP_ID and no key yet, it first serves the registration page (it prints the link): the
app is created on GitHub from app.yml, its settings are written into .env, and serving begins.
--announce: the swarm address volunteers dial when it is not one this node listens on (NAT).`;

export function readAppEnv(env: NodeJS.ProcessEnv): AppEnv {
  const present = presentVariables(env);
  const parsed = AppEnvSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  if (!present.PRIVATE_KEY && !present.PRIVATE_KEY_PATH)
    problems.push("set PRIVATE_KEY (the PEM text) or PRIVATE_KEY_PATH (the .pem file GitHub gave you)");
  if (!parsed.success || problems.length > 0)
    throw new Error(
      `the GitHub App is not configured: ${problems.join("; ")}. Set them in the environment or .env (see .env.example).`,
    );
  return parsed.data;
}

function remoteFrom(template: string | undefined): RemoteUrl {
  if (!template) return githubRemote;
  return (owner, repo, token) =>
    template.replaceAll("{owner}", owner).replaceAll("{repo}", repo).replaceAll("{token}", encodeURIComponent(token));
}

/**
 * The App's Probot. Its clients (webhook contexts, `auth(installationId)` for jobs) retry GitHub's
 * 5xx answers and rate limits, secondary ones included (octokit-limits.ts).
 */
export function appProbot(appEnv: AppEnv, privateKey: string, log: (line: string) => void): typeof Probot {
  return Probot.defaults({
    appId: appEnv.APP_ID,
    privateKey,
    secret: appEnv.WEBHOOK_SECRET,
    logLevel: appEnv.LOG_LEVEL,
    Octokit: limitedOctokit({ log }),
    ...(appEnv.GHE_HOST ? { baseUrl: `${appEnv.GHE_PROTOCOL}://${appEnv.GHE_HOST}/api/v3` } : {}),
  });
}

export async function serveCommand(argv: string[], { env, variables, log }: CommandContext): Promise<number> {
  const { values } = readCommandLine(argv, {
    command: "dellm serve",
    flags: { ...swarmFlags, model: { type: "string" } },
    schema: z.unknown(),
    input: () => undefined,
  });
  // No App yet: Probot's setup flow registers one from app.yml and writes .env, then serving goes on.
  const appVariables = needsRegistration(variables)
    ? { ...variables, ...(await registerApp({ variables, stateDir: env.DELLM_STATE_DIR, log })) }
    : variables;
  const appEnv = readAppEnv(appVariables);
  await sweepLeftoverContainers(); // sandbox/setup containers a killed earlier bot left behind
  const privateKey =
    appEnv.PRIVATE_KEY?.replace(/\\n/g, "\n") ??
    (await readFile(appEnv.PRIVATE_KEY_PATH!, "utf8").catch((error: Error) => {
      throw new Error(`PRIVATE_KEY_PATH ${appEnv.PRIVATE_KEY_PATH} cannot be read (${error.message})`);
    }));
  // Before taking work: a refused key or a model the key cannot use stops the bot here, with the models it can use.
  const planning = await openPlannerSource(env, values.model ?? env.MODEL_PATH, log);
  const verifier = env.DELLM_VERIFY_RESULTS
    ? await openVerifier(env.DELLM_SANDBOX_IMAGE, env.DOCKER_TIMEOUT, "set DELLM_VERIFY_RESULTS=false")
    : undefined;
  if (!verifier) log("[github] DELLM_VERIFY_RESULTS=false: volunteers' results are merged as they report them");
  const generation =
    verifier && env.DELLM_CHECK_MODEL
      ? await openGenerationVerifier(env.DELLM_CHECK_MODEL, env, log, verifier)
      : undefined;
  // No copy of the model here, but the volunteers' model named: they check each other's answers.
  const volunteerModel =
    verifier && !generation && env.DELLM_JOB_MODEL ? namedJobModel(env.DELLM_JOB_MODEL) : undefined;
  if (volunteerModel)
    log(
      `[verify] DELLM_CHECK_MODEL unset: volunteers running the model with sha256 ${volunteerModel.sha256.slice(0, 12)}… check each other's files`,
    );
  else if (verifier && !generation)
    log(
      "[github] DELLM_CHECK_MODEL and DELLM_JOB_MODEL unset: volunteers' files are re-tested but not checked to be the model's answers",
    );
  // One database for the bot's state (volunteers' standing, deliveries handled, jobs, the coordinator's boards).
  const db = await openStateDatabase(stateDatabasePath(env.DELLM_STATE_DIR));
  const store = new GitHubJobStore(db);
  await importJobFiles(store, env.DELLM_STATE_DIR, log); // an older bot's job files, once
  const pruning = schedulePruning(db, { keepJobsDays: env.DELLM_KEEP_JOBS_DAYS }, log);
  // Volunteers' results are vetted as they arrive (their standing decides how often they are checked).
  const { vetting, reputation } = vettingFrom(
    db,
    env,
    generation?.verifier,
    `${NO_MODEL_TO_CHECK} (DELLM_CHECK_MODEL)`,
    // Volunteers check what the bot cannot: every file without DELLM_CHECK_MODEL, and with it the
    // files of repositories that pin another model (.github/dellm.yml `model`).
    verifier !== undefined,
    generation?.model,
  );
  const swarm = await startCoordinator(
    {
      ...swarmOptionsFrom(values, env, join(env.DELLM_STATE_DIR, "bot.key")),
      database: db,
      vetting,
      jobModel: generation?.model ?? volunteerModel,
      ...(verifier ? { volunteerChecks: { onVerdict: recordVerdict(reputation) } } : {}),
    },
    env,
    log,
  );
  let jobs: GitHubJobs | undefined;
  const app: ApplicationFunction = (probot, options) => {
    jobs = new GitHubJobs({
      store,
      workDir: join(env.DELLM_STATE_DIR, "clones"),
      planner: planning.planner,
      distribution: swarmWorkers(swarm.coordinator),
      auth: (installationId) => probot.auth(installationId),
      remoteUrl: remoteFrom(appEnv.DELLM_GIT_URL),
      verifier,
      generation: generation?.verifier,
      ...(verifier ? { volunteerCheck: (result: Result) => swarm.coordinator.volunteerCheck(result) } : {}),
      reputation,
      setupImages: new SetupImages({
        baseImage: env.DELLM_SANDBOX_IMAGE,
        keepImages: env.DELLM_SETUP_IMAGES_KEEP,
        keepBytes: env.DELLM_SETUP_IMAGES_GB * 2 ** 30,
      }),
      setupNetwork: env.DELLM_SETUP_NETWORK,
      joinHint: swarm.joinCommand,
      maxJobs: env.DELLM_MAX_JOBS,
      questionWaitMs: env.DELLM_QUESTION_WAIT_DAYS * 86_400_000,
      // A `/dellm stop`ped job's tasks come off the swarm's board (every replica's).
      withdraw: (jobId) => {
        for (const board of swarm.coordinator.group(jobId)) swarm.coordinator.removeJob(board.jobId);
      },
      log,
    });
    return dellmApp(jobs, { deliveries: new DeliveryLog(db) })(probot, options);
  };
  const server = new Server({
    host: appEnv.HOST,
    port: appEnv.PORT,
    webhookPath: appEnv.WEBHOOK_PATH,
    webhookProxy: appEnv.WEBHOOK_PROXY_URL,
    // Bodies over GitHub's 25 MB cap refused while streaming, signatures checked before Probot, logs cut to excerpts.
    Probot: withWebhookIntake(appProbot(appEnv, privateKey, log), { secret: appEnv.WEBHOOK_SECRET }),
  });
  // Signals from here on stop the bot cleanly (a second one while it stops changes nothing).
  let stopSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stopSignal = resolve));
  for (const signal of STOP_SIGNALS) process.on(signal, stopSignal);
  let http: Awaited<ReturnType<Server["start"]>>;
  try {
    await server.load(app);
    server.addHandler(healthHandler(() => jobs!.counts()));
    const resumed = await jobs!.resume();
    // Jobs on the coordinator that no GitHub job owns (a `dellm run` in the same state folder) would keep volunteers busy for nobody.
    for (const jobId of swarm.coordinator.jobIds().filter((id) => !resumed.includes(id))) {
      log(`[github] job ${jobId} on the coordinator belongs to no GitHub issue; taking it off the board`);
      swarm.coordinator.removeJob(jobId);
    }
    http = await server.start();
  } catch (error) {
    for (const signal of STOP_SIGNALS) process.off(signal, stopSignal);
    pruning.stop();
    await swarm.stop();
    throw error;
  }
  log(`[github] webhooks on http://${appEnv.HOST}:${appEnv.PORT}${appEnv.WEBHOOK_PATH} (app ${appEnv.APP_ID})`);
  log(
    `[github] health on http://${appEnv.HOST}:${appEnv.PORT}${HEALTH_PATH}; at most ${env.DELLM_MAX_JOBS} running at once (DELLM_MAX_JOBS)`,
  );
  const signal = await stopped;
  log(`[github] stopping: running jobs are saved and resume on the next start (${signal})`);
  setTimeout(() => {
    log(`[github] stopping took over ${STOP_GRACE_MS / 1000} s; exiting now (saved jobs resume on the next start)`);
    process.exit(1);
  }, STOP_GRACE_MS).unref();
  // No new connections; requests in flight finish (a slow one is cut at the grace's end).
  const closing = server.stop();
  http.closeIdleConnections();
  await Promise.all([closing, jobs!.stop()]);
  await swarm.stop();
  await planning.dispose();
  await generation?.dispose();
  pruning.stop();
  db.close();
  return 0;
}

/** DELLM_JOB_MODEL (`<sha256>:<context size>`, checked by the env schema) as grants name it. */
function namedJobModel(spec: string): JobModel {
  const [sha256, context] = spec.split(":") as [string, string];
  return { sha256, context_size: Number(context), name: `the volunteers' model (sha256 ${sha256.slice(0, 12)}…)` };
}
