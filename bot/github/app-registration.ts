// `dellm serve` before any GitHub App exists: Probot's setup flow (what `probot run` does without
// an APP_ID; its setup app is not exported by the probot package, so this is that flow, small).
//   1. GET /probot?setup=<token> shows a button that posts app.yml's manifest to GitHub;
//   2. GitHub creates the app and sends the browser to /probot/setup?code=…&state=…;
//   3. the code is converted (POST /app-manifests/{code}/conversions) into the app's id, key and
//      webhook secret, which go into .env (the key into a .pem file next to the bot's other state);
//   4. the browser is sent on to install the app, and `dellm serve` goes on as the App.
// The one-time token in the printed URL keeps others who can reach the port from registering an
// app of theirs as this bot's (the conversion needs only the code, so the state is checked too).
// Each link opens the page once (a fresh one is printed for another try), the page's state is
// taken by the first callback that shows it (one conversion, one App), and the URLs GitHub is
// given come from settings, never from request headers a client chooses (X-Forwarded-Host).
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { z } from "zod";
import { privateFolder, writeFileAtomic } from "../../shared/atomic-file.js";
import { presentVariables } from "../../shared/config.js";
import { appManifest, createAppUrl, findAppYml, registrationPage } from "./app-manifest.js";
import { updateEnvFile } from "./env-file.js";

const SetupEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  WEBHOOK_PATH: z.string().startsWith("/").default("/api/github/webhooks"),
  WEBHOOK_PROXY_URL: z.string().url().optional(),
  /** The bot's public base URL (https://bot.example.org), when the browser reaches it by another name. */
  DELLM_PUBLIC_URL: z.string().url().optional(),
  GH_ORG: z.string().min(1).optional(),
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["https", "http"]).default("https"),
  NODE_ENV: z.string().optional(),
});

/** GitHub's answer to the manifest conversion (the fields dellm keeps). */
const ConversionSchema = z.object({
  id: z.number().int().positive(),
  slug: z.string().optional(),
  html_url: z.string().url(),
  webhook_secret: z.string().min(1),
  pem: z.string().includes("PRIVATE KEY"),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

/** GitHub's callback: the code to convert and the state this page gave GitHub. */
const CallbackSchema = z.object({
  code: z.string({ error: "code missing" }).regex(/^[\w-]{1,200}$/, "code invalid"),
  state: z.string({ error: "state missing" }).regex(/^[0-9a-f]{32}$/, "state invalid"),
});

/** No App at all yet (no id, no key): the setup flow applies. A half-configured App is an error instead. */
export function needsRegistration(variables: NodeJS.ProcessEnv): boolean {
  const present = presentVariables(variables);
  return !present.APP_ID && !present.PRIVATE_KEY && !present.PRIVATE_KEY_PATH;
}

export interface RegistrationOptions {
  variables: NodeJS.ProcessEnv;
  /** Where the app's private key is written (the bot's state folder). */
  stateDir: string;
  /** The .env file that receives the settings (default ./.env, the one bot/cli.ts reads). */
  envFile?: string;
  log: (line: string) => void;
}

/**
 * Serves the registration pages until an app is registered; resolves with the settings written
 * into .env (APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET, …), once the setup server is closed.
 */
export async function registerApp({
  variables,
  stateDir,
  envFile = ".env",
  log,
}: RegistrationOptions): Promise<Record<string, string>> {
  const settings = SetupEnvSchema.parse(presentVariables(variables));
  if (settings.NODE_ENV === "production") {
    throw new Error(
      "the GitHub App is not configured (APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET) and NODE_ENV=production turns the registration page off; register the app once without NODE_ENV=production, or set the variables from the app's settings page (see .env.example)",
    );
  }
  const manifestFile = findAppYml();
  const github = { protocol: settings.GHE_PROTOCOL, host: settings.GHE_HOST ?? "github.com" };
  const api = settings.GHE_HOST ? `${settings.GHE_PROTOCOL}://${settings.GHE_HOST}/api/v3` : "https://api.github.com";
  const base = (
    settings.DELLM_PUBLIC_URL ??
    `http://${["0.0.0.0", "::"].includes(settings.HOST) ? "localhost" : settings.HOST}:${settings.PORT}`
  ).replace(/\/$/, "");
  /** The printed link's token (used up when its page is shown) and the state of the page last shown. */
  let token: string | undefined;
  let pendingState: string | undefined;
  const newLink = (): string => {
    token = randomBytes(16).toString("hex");
    return `${base}/probot?setup=${token}`;
  };

  let finish!: (values: Record<string, string>) => void;
  const registered = new Promise<Record<string, string>>((resolve) => (finish = resolve));

  async function convert(code: string): Promise<Record<string, string>> {
    const response = await fetch(`${api}/app-manifests/${encodeURIComponent(code)}/conversions`, {
      method: "POST",
      headers: { accept: "application/vnd.github+json", "user-agent": "dellm" },
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`GitHub answered ${response.status} to the manifest conversion: ${text.slice(0, 300)}`);
    const app = ConversionSchema.parse(JSON.parse(text));
    const keyFile = resolve(stateDir, "github-app.private-key.pem");
    // Owner-only, also when the folder or an older key file was readable by others.
    await privateFolder(resolve(stateDir));
    await writeFileAtomic(keyFile, app.pem, { mode: 0o600 });
    const values: Record<string, string> = {
      APP_ID: String(app.id),
      PRIVATE_KEY_PATH: keyFile,
      WEBHOOK_SECRET: app.webhook_secret,
    };
    if (app.client_id) values.GITHUB_CLIENT_ID = app.client_id;
    if (app.client_secret) values.GITHUB_CLIENT_SECRET = app.client_secret;
    await updateEnvFile(envFile, values);
    log(
      `[github] registered the GitHub App ${app.slug ?? app.id} (id ${app.id}); its settings are in ${resolve(envFile)}, its key in ${keyFile}`,
    );
    return { ...values, html_url: app.html_url };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://setup");
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void =>
      void res.writeHead(status, { "content-type": type }).end(body);
    if (req.method !== "GET") return send(405, "only GET here");
    if (url.pathname === "/probot") {
      if (!token || !sameSecret(url.searchParams.get("setup") ?? "", token))
        return send(
          403,
          "open the latest registration link that `dellm serve` printed (each link works once; a new one is printed after each use)",
        );
      // Used up: a second visit (or someone who saw the link) gets nothing; the operator gets a new link.
      log(`[github] the registration link was opened; for another try open ${newLink()}`);
      const webhookUrl = settings.WEBHOOK_PROXY_URL ?? `${base}${settings.WEBHOOK_PATH}`;
      const state = randomBytes(16).toString("hex");
      pendingState = state; // only the page shown last can complete
      const manifest = appManifest(manifestFile, { webhookUrl, redirectUrl: `${base}/probot/setup`, homepage: base });
      const warning = /^http:\/\/(localhost|127\.|\[::1\]|10\.|192\.168\.)/.test(webhookUrl)
        ? `GitHub cannot deliver webhooks to ${webhookUrl}. Set DELLM_PUBLIC_URL to the bot's public HTTPS address (or WEBHOOK_PROXY_URL, a smee.io channel, for development) and restart; the webhook URL can also be changed later on the app's settings page.`
        : undefined;
      return send(
        200,
        registrationPage({ manifest, action: createAppUrl(github, settings.GH_ORG, state), webhookUrl, warning }),
        "text/html; charset=utf-8",
      );
    }
    if (url.pathname === "/probot/setup") {
      const callback = CallbackSchema.safeParse(Object.fromEntries(url.searchParams));
      if (!callback.success)
        return send(
          400,
          `${callback.error.issues.map((i) => i.message).join("; ")}: start again from the registration link`,
        );
      const { code, state } = callback.data;
      if (!pendingState || !sameSecret(state, pendingState))
        return send(
          403,
          "unknown or used state: start again from the latest registration link that `dellm serve` printed",
        );
      // Taken before the conversion is awaited: a second callback racing this one is refused, so one App wins.
      pendingState = undefined;
      try {
        const values = await convert(code);
        const { html_url: htmlUrl, ...env } = values;
        res.once("finish", () => finish(env));
        return void res
          .writeHead(302, { location: `${htmlUrl}/installations/new` })
          .end(`Registered. Install the app: ${htmlUrl}/installations/new`);
      } catch (error) {
        log(`[github] registering the app failed: ${(error as Error).message}; to try again open ${newLink()}`);
        return send(
          502,
          `registering the app failed: ${(error as Error).message}\nThe code is valid for one hour and once; start again from the registration link.`,
        );
      }
    }
    if (url.pathname === "/") return void res.writeHead(302, { location: "/probot" }).end();
    return send(404, "dellm is waiting to be registered as a GitHub App: open the link that `dellm serve` printed");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log(`[github] registration page: ${error.message}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(error.message);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(settings.PORT, settings.HOST, done);
  });
  log("[github] no GitHub App is configured yet (APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET).");
  log(`[github] register one from ${manifestFile}: open ${newLink()} in a browser`);

  let stop!: () => void;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(new Error("stopped before a GitHub App was registered; run dellm serve again to register one"));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  try {
    return await Promise.race([registered, stopped]);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

/** Constant-time comparison of a token or state from a request with ours. */
function sameSecret(given: string, ours: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(ours);
  return a.length === b.length && timingSafeEqual(a, b);
}
