// GitHub's limits on the App's clients. Probot's Octokit has @octokit/plugin-retry (5xx answers
// retried with back-off) and @octokit/plugin-throttling (writes paced, rate limits waited out) on,
// but Probot's own throttle handlers never retry a secondary rate limit ("You have exceeded a
// secondary rate limit"), which a burst of comments and pull requests meets: the job would fail
// at once. This Octokit keeps both plugins on and retries either limit a bounded number of times;
// what still fails reaches the job as GitHub's error, which rateLimitFailure puts in words.
import { ProbotOctokit } from "probot";

export interface LimitOptions {
  /** Retries of one request GitHub rate-limited (primary or secondary) before it fails. */
  limitRetries?: number;
  /** A primary limit that resets later than this is not waited for: the job fails and says when to retry. */
  maxWaitSeconds?: number;
  /**
   * Milliseconds per second of GitHub's retry-after, and per step of plugin-retry's back-off
   * (1, 4, 9… steps); both plugins default to 1000. Tests shorten it.
   */
  retryAfterBaseValue?: number;
  log?: (line: string) => void;
}

export const DEFAULT_LIMIT_RETRIES = 3;
const DEFAULT_MAX_WAIT_SECONDS = 15 * 60;

type Handler = (
  retryAfter: number,
  request: { method: string; url: string },
  octokit: unknown,
  retries: number,
) => boolean;

/** Probot's Octokit with GitHub's limits handled; give it to Probot as `Octokit` (its installation clients are made from it). */
export function limitedOctokit(options: LimitOptions = {}): typeof ProbotOctokit {
  const retries = options.limitRetries ?? DEFAULT_LIMIT_RETRIES;
  const maxWait = options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS;
  const log = options.log ?? (() => {});
  const base = options.retryAfterBaseValue === undefined ? {} : { retryAfterBaseValue: options.retryAfterBaseValue };
  const handler =
    (limit: string): Handler =>
    (retryAfter, request, _octokit, retried) => {
      const retry = retried < retries && retryAfter <= maxWait;
      log(
        `[github] ${limit} on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s (retry ${retried + 1} of ${retries})` : `giving up after ${retried} retries (GitHub asks to wait ${retryAfter} s)`}`,
      );
      return retry;
    };
  // A function, not an object: Probot hands its own throttle handlers in as instance options, and
  // these must come after them. Whoever turns a plugin off (enabled: false) still can.
  return ProbotOctokit.defaults((instance: Record<string, Record<string, unknown> | undefined>) => ({
    ...instance,
    retry: { ...base, ...instance.retry },
    throttle: {
      ...base,
      ...instance.throttle,
      onRateLimit: handler("GitHub's rate limit"),
      onSecondaryRateLimit: handler("GitHub's secondary rate limit"),
    },
  }));
}

/** GitHub refused a request for its rate limit: which one, and how long it asked to wait (seconds). */
export interface RateLimited {
  secondary: boolean;
  /** GitHub's own words (its message, without the documentation link). */
  message: string;
  waitSeconds?: number;
}

/** Whether `error` is GitHub's rate limit (a RequestError the limits' retries gave up on). */
export function rateLimited(error: unknown, now = Date.now()): RateLimited | undefined {
  if (!(error instanceof Error) || !("status" in error)) return undefined;
  const { status, response } = error as Error & { status: unknown; response?: { headers?: Record<string, unknown> } };
  const headers = response?.headers ?? {};
  const message = error.message.replace(/ - https:\/\/docs\.github\.com\S*$/, "");
  // As plugin-throttling tells them apart: "secondary rate" in the message, or no requests left.
  const secondary = /\bsecondary rate\b/i.test(message);
  const exhausted = String(headers["x-ratelimit-remaining"]) === "0";
  if ((status !== 403 && status !== 429) || !(secondary || exhausted || /\brate limit\b/i.test(message)))
    return undefined;
  const retryAfter = Number(headers["retry-after"]);
  const reset = Number(headers["x-ratelimit-reset"]);
  const waitSeconds = retryAfter > 0 ? retryAfter : reset > 0 ? Math.max(0, Math.ceil(reset - now / 1000)) : undefined;
  return { secondary, message, ...(waitSeconds === undefined ? {} : { waitSeconds }) };
}
