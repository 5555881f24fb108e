// The pull request's draft state follows the repository's tests across retries: REST updates the
// body, GraphQL flips the draft state (REST cannot), and nothing is called when it already matches.
// A create that GitHub carried out but answered with a 5xx (Octokit retries it) updates that PR.
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

  it("updates the PR a create left behind: GitHub opened it but answered 5xx, and the retry heard 'already exists'", async () => {
    const fresh = { ...job, pr_number: undefined, pr_url: undefined };
    const lists: string[] = [];
    nock(API)
      .get("/repos/octo/demo/pulls")
      .query(true)
      .reply(200, [])
      .get("/repos/octo/demo/pulls")
      .query(true)
      .reply(200, [{ number: 13, html_url: "https://github.com/octo/demo/pull/13" }])
      .on("request", (request: { path: string }) => lists.push(request.path));
    nock(API)
      .post("/repos/octo/demo/pulls")
      .reply(422, {
        message: "Validation Failed",
        errors: [
          { resource: "PullRequest", code: "custom", message: "A pull request already exists for octo:dellm/issue-7." },
        ],
      });
    const updated = nock(API).patch("/repos/octo/demo/pulls/13").reply(200, { number: 13 });
    const pr = await openOrUpdatePullRequest(installationOctokit(), fresh, "body");
    expect(pr).toEqual({ pr_number: 13, pr_url: "https://github.com/octo/demo/pull/13" });
    expect(updated.isDone()).toBe(true);
    expect(lists).toHaveLength(2);
  });

  it("still fails on any other refusal of the create", async () => {
    nock(API).get("/repos/octo/demo/pulls").query(true).reply(200, []);
    nock(API)
      .post("/repos/octo/demo/pulls")
      .reply(422, { message: "Validation Failed", errors: [{ code: "invalid", field: "base" }] });
    await expect(
      openOrUpdatePullRequest(installationOctokit(), { ...job, pr_number: undefined, pr_url: undefined }, "body"),
    ).rejects.toThrow(/Validation Failed/);
  });
});
