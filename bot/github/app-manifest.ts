// The GitHub App manifest (app.yml) as the registration page posts it to GitHub, the way Probot's
// setup does (its ManifestCreation is not exported by the probot package, so this is that flow's
// manifest part): app.yml's fields, the webhook URL this bot receives events on, and the page
// GitHub sends the browser back to with the code.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { escapeHtml } from "../../shared/display.js";

const AppYmlSchema = z
  .object({
    name: z.string().min(1).default("dellm"),
    description: z.string().optional(),
    url: z.string().url().optional(),
    public: z.boolean().default(false),
    default_events: z.array(z.string()).default([]),
    default_permissions: z.record(z.string(), z.string()).default({}),
  })
  .passthrough();

/** app.yml of the working directory (an operator's own), else the one that ships with dellm. */
export function findAppYml(cwd = process.cwd()): string {
  const candidates = [
    join(cwd, "app.yml"),
    resolve(import.meta.dirname, "../../app.yml"),
    resolve(import.meta.dirname, "../../../app.yml"),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`app.yml (the GitHub App manifest) is missing; looked in ${candidates.join(", ")}`);
  return found;
}

export interface ManifestUrls {
  /** Where GitHub delivers webhooks: the public URL of this bot's webhook path (or a smee.io channel). */
  webhookUrl: string;
  /** Where GitHub sends the browser back with ?code=…&state=… */
  redirectUrl: string;
  /** The app's homepage on GitHub's settings page. */
  homepage: string;
}

export function appManifest(file: string, urls: ManifestUrls): Record<string, unknown> {
  const parsed = AppYmlSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success)
    throw new Error(
      `${file} is not a valid GitHub App manifest: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const yml = parsed.data;
  return {
    ...yml,
    url: yml.url ?? urls.homepage,
    hook_attributes: { url: urls.webhookUrl, active: true },
    redirect_url: urls.redirectUrl,
  };
}

/** GitHub's "register a new app" page for a user, an organisation (GH_ORG) or GitHub Enterprise (GHE_HOST). */
export function createAppUrl(
  github: { protocol: string; host: string },
  org: string | undefined,
  state: string,
): string {
  const owner = org ? `/organizations/${encodeURIComponent(org)}` : "";
  return `${github.protocol}://${github.host}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}

/** The page with the button that posts the manifest to GitHub (GitHub's manifest flow is a form post). */
export function registrationPage(options: {
  manifest: Record<string, unknown>;
  action: string;
  webhookUrl: string;
  warning?: string;
}): string {
  const warning = options.warning
    ? `<p style="color:#b00"><strong>Warning:</strong> ${escapeHtml(options.warning)}</p>`
    : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Register the dellm GitHub App</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Register the dellm GitHub App</h1>
<p>This creates a GitHub App from <code>app.yml</code> (permissions: ${escapeHtml(
    Object.entries((options.manifest.default_permissions as Record<string, string>) ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(", "),
  )}).
GitHub then sends you back here; dellm saves the app's id, key and webhook secret in <code>.env</code> and starts serving.</p>
<p>Webhooks will be delivered to <code>${escapeHtml(options.webhookUrl)}</code>.</p>
${warning}
<form action="${escapeHtml(options.action)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(options.manifest))}">
<button type="submit" style="font-size:1.2em">Register GitHub App</button>
</form>
</body></html>
`;
}
