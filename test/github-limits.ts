// GitHub's rate-limit answers as GitHub sends them, for nock: `scope.reply(...secondaryRateLimit(1))`.

/** The 403 of a secondary rate limit: GitHub's message and documentation link, and its retry-after (seconds). */
export function secondaryRateLimit(
  retryAfterSeconds: number,
): [number, Record<string, string>, Record<string, string>] {
  return [
    403,
    {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url:
        "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    },
    { "retry-after": String(retryAfterSeconds), "content-type": "application/json; charset=utf-8" },
  ];
}

/**
 * The App's Octokit without plugin-throttling's pacing of writes (1 s apart, 3 s for PRs and
 * comments), which would make a job test wait a minute: its limit handling and retries stay as they are.
 */
export function withoutWritePacing<T extends { defaults(fn: (options: Options) => Options): T }>(Octokit: T): T {
  // plugin-throttling only calls key(id).schedule(options, fn) on its groups.
  const unpaced = { key: () => ({ schedule: async (_options: unknown, fn: () => unknown) => fn() }) };
  return Octokit.defaults((options) => ({
    ...options,
    throttle: { ...options.throttle, write: unpaced, notifications: unpaced },
  }));
}

type Options = Record<string, Record<string, unknown> | undefined>;
