import { describe, expect, it } from "vitest";
import { readAppEnv } from "./serve.js";

const base = { APP_ID: "1", PRIVATE_KEY: "pem", WEBHOOK_SECRET: "s" };

describe("dellm serve's settings", () => {
  it("takes a DELLM_GIT_URL whose token is the URL's user or password (git gets it through its environment)", () => {
    const url = "https://x-access-token:{token}@git.example.com/{owner}/{repo}.git";
    expect(readAppEnv({ ...base, DELLM_GIT_URL: url }).DELLM_GIT_URL).toBe(url);
    expect(readAppEnv({ ...base, DELLM_GIT_URL: "/srv/git/{owner}/{repo}.git" }).DELLM_GIT_URL).toBeDefined();
  });

  it("refuses a DELLM_GIT_URL that would put the token on git's command line", () => {
    for (const url of [
      "https://git.example.com/{owner}/{repo}.git?token={token}",
      "https://git.example.com/{token}/{owner}/{repo}.git",
      "ssh://{token}@git.example.com/{owner}/{repo}.git",
    ])
      expect(() => readAppEnv({ ...base, DELLM_GIT_URL: url }), url).toThrow(
        /may carry \{token\} only as the user or password of an http\(s\) URL/,
      );
  });
});
