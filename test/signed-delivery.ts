// Webhook deliveries as GitHub sends them to a running `dellm serve`: a JSON body, its event and
// delivery id in headers, and the HMAC-SHA256 signature of the body with the App's secret. Used by
// the process tests and the benchmarks that drive the App over HTTP.
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

export interface Delivery {
  event: string;
  payload: unknown;
  /** X-GitHub-Delivery (default: a new one). The same id twice is GitHub's "Redeliver". */
  id?: string;
}

/** Posts the delivery; resolves with the HTTP status, or 0 when no answer came (refused, reset). */
export async function postDelivery(url: string, secret: string, { event, payload, id }: Delivery): Promise<number> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id ?? randomUUID(),
        "x-hub-signature-256": await sign(secret, body),
      },
      body,
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** Where an issue lives: its repository, the App's installation there, and its number. */
export interface IssueAt {
  owner: string;
  repo: string;
  installation: number;
  number: number;
}

/** A public repository's fields of an event from it, as sent by `sender` (a person). */
export function fromRepository(at: Omit<IssueAt, "number">, sender = "alice") {
  return {
    sender: { login: sender, type: "User" },
    repository: { name: at.repo, full_name: `${at.owner}/${at.repo}`, owner: { login: at.owner }, private: false },
    installation: { id: at.installation },
  };
}

/** `issues.labeled` with the `dellm` label on an issue asking for a fibonacci function (the scripted job's). */
export function fibonacciIssueLabeled(at: IssueAt): Delivery["payload"] {
  return {
    action: "labeled",
    label: { name: "dellm" },
    issue: { number: at.number, title: `Add a fibonacci function (${at.repo} #${at.number})`, body: "In Python." },
    ...fromRepository(at),
  };
}
