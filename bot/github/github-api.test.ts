// The pull request's draft state follows the repository's tests across retries: REST updates the
// body, GraphQL flips the draft state (REST cannot), and nothing is called when it already matches.
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { API, installationOctokit } from "../../test/github-webhooks.js";
import { openOrUpdatePullRequest } from "./github-api.js";

const job = {
  id: "job-1",
  owner: "octo",
  repo: "demo",
  issue_number: 7,
  title: "Add a cart",
  branch: "dellm/issue-7",
  base_branch: "main",
  pr_number: 12,
  pr_url: "https://github.com/octo/demo/pull/12",
};

/** The open PR answers its update with `draft`; the GraphQL mutations the call sends are returned. */
function openPullRequest(draft: boolean): string[] {
  const mutations: string[] = [];
  nock(API).patch("/repos/octo/demo/pulls/12").reply(200, { number: 12, draft, node_id: "PR_node12" });
  // A reply function reading the body hangs in nock 15: the body is taken from the request event.
  nock(API)
    .persist()
    .post("/graphql")
    .reply(200, { data: {} })
    .on("request", (_request: unknown, _interceptor: unknown, body: string) => {
      const { query, variables } = JSON.parse(body) as { query: string; variables: unknown };
      mutations.push(`${query} ${JSON.stringify(variables)}`);
    });
  return mutations;
}

afterEach(() => nock.cleanAll());

describe("openOrUpdatePullRequest", () => {
  it("marks a draft PR ready for review again when a retry fixed the repository's tests", async () => {
    const mutations = openPullRequest(true);
    await openOrUpdatePullRequest(installationOctokit(), job, "body", { draft: false });
    expect(mutations).toEqual([expect.stringMatching(/markPullRequestReadyForReview.*"id":"PR_node12"/s)]);
  });

  it("turns an open PR into a draft when a retry breaks the repository's tests", async () => {
    const mutations = openPullRequest(false);
    await openOrUpdatePullRequest(installationOctokit(), job, "body", { draft: true });
    expect(mutations).toEqual([expect.stringMatching(/convertPullRequestToDraft.*"id":"PR_node12"/s)]);
  });

  it("leaves the draft state alone when it already matches", async () => {
    const ready = openPullRequest(false);
    await openOrUpdatePullRequest(installationOctokit(), job, "body");
    expect(ready).toEqual([]);
  });
});
