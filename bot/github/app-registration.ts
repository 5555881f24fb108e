// `dellm serve` before any GitHub App exists: Probot's setup flow (what `probot run` does without
// an APP_ID; its setup app is not exported by the probot package, so this is that flow, small).
//   1. GET /probot?setup=<token> shows a button that posts app.yml's manifest to GitHub;
//   2. GitHub creates the app and sends the browser to /probot/setup?code=…&state=…;
//   3. the code is converted (POST /app-manifests/{code}/conversions) into the app's id, key and
//      webhook secret, which go into .env (the key into a .pem file next to the bot's other state);
//   4. the browser is sent on to install the app, and `dellm serve` goes on as the App.
// The one-time token in the printed URL keeps others who can reach the port from registering an
// app of theirs as this bot's (the conversion needs only the code, so the state is checked too).
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname, resolve } from "node:path";
import { z } from "zod";
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
  const token = randomBytes(16).toString("hex");
  const states = new Set<string>();

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
    await mkdir(dirname(keyFile), { recursive: true });
    await writeFile(keyFile, app.pem, { mode: 0o600 });
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

  function baseUrl(req: IncomingMessage): string {
    if (settings.DELLM_PUBLIC_URL) return settings.DELLM_PUBLIC_URL.replace(/\/$/, "");
    const forwarded = (name: string) =>
      String(req.headers[name] ?? "")
        .split(",")[0]!
        .trim();
    return `${forwarded("x-forwarded-proto") || "http"}://${forwarded("x-forwarded-host") || req.headers.host || `localhost:${settings.PORT}`}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://setup");
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void =>
      void res.writeHead(status, { "content-type": type }).end(body);
    if (req.method !== "GET") return send(405, "only GET here");
    if (url.pathname === "/probot") {
      if (url.searchParams.get("setup") !== token)
        return send(403, "open the registration link that `dellm serve` printed (it carries a one-time token)");
      const base = baseUrl(req);
      const webhookUrl = settings.WEBHOOK_PROXY_URL ?? `${base}${settings.WEBHOOK_PATH}`;
      const state = randomBytes(16).toString("hex");
      states.add(state);
      const manifest = appManifest(manifestFile, { webhookUrl, redirectUrl: `${base}/probot/setup`, homepage: base });
      const warning = /^http:\/\/(localhost|127\.|\[::1\]|10\.|192\.168\.)/.test(webhookUrl)
        ? `GitHub cannot deliver webhooks to ${webhookUrl}. Open this page through the bot's public HTTPS address, set DELLM_PUBLIC_URL, or WEBHOOK_PROXY_URL (a smee.io channel) for development; the webhook URL can also be changed later on the app's settings page.`
        : undefined;
      return send(
        200,
        registrationPage({ manifest, action: createAppUrl(github, settings.GH_ORG, state), webhookUrl, warning }),
        "text/html; charset=utf-8",
      );
    }
    if (url.pathname === "/probot/setup") {
      const code = url.searchParams.get("code");
      const state = url.searchParams.get("state") ?? "";
      if (!code || !/^[\w-]{1,200}$/.test(code)) return send(400, "code missing or invalid");
      if (!states.has(state))
        return send(403, "unknown state: start again from the registration link that `dellm serve` printed");
      try {
        const values = await convert(code);
        states.clear();
        const { html_url: htmlUrl, ...env } = values;
        res.once("finish", () => finish(env));
        return void res
          .writeHead(302, { location: `${htmlUrl}/installations/new` })
          .end(`Registered. Install the app: ${htmlUrl}/installations/new`);
      } catch (error) {
        log(`[github] registering the app failed: ${(error as Error).message}`);
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
  const shown =
    settings.DELLM_PUBLIC_URL?.replace(/\/$/, "") ??
    `http://${["0.0.0.0", "::"].includes(settings.HOST) ? "localhost" : settings.HOST}:${settings.PORT}`;
  log("[github] no GitHub App is configured yet (APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET).");
  log(`[github] register one from ${manifestFile}: open ${shown}/probot?setup=${token} in a browser`);

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
