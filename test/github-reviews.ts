// Pull request reviews as GitHub sends them (`pull_request_review.submitted`,
// `pull_request_review_comment.created`, pulls.listCommentsForReview), and the review API calls a
// test answers or records at the HTTP boundary (nock). Shapes follow GitHub's webhook and REST
// schemas (@octokit/openapi-webhooks-types, @octokit/openapi-types "review-comment"), trimmed of
// links and reactions nothing reads.
import nock from "nock";
import { API, repository } from "./github-webhooks.js";

const HEAD_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

function user(login: string, type = "User") {
  return { login, id: login.length * 1000 + 1, node_id: `U_${login}`, type, site_admin: false };
}

/** The pull request as review events carry it: dellm's (its branch, opened by the app) unless told otherwise. */
export function pullRequest(number = 12, head = "dellm/issue-7", author = user("dellm[bot]", "Bot")) {
  return {
    url: `${API}/repos/octo/demo/pulls/${number}`,
    id: 100_000 + number,
    number,
    state: "open",
    title: "dellm: Build the app",
    user: author,
    html_url: `https://github.com/octo/demo/pull/${number}`,
    head: { ref: head, sha: HEAD_SHA, label: `octo:${head}` },
    base: { ref: "main", sha: "0000000000000000000000000000000000000001", label: "octo:main" },
    draft: false,
  };
}

export interface CommentSpec {
  id: number;
  body: string;
  path: string;
  line?: number | null;
  start_line?: number | null;
  side?: "LEFT" | "RIGHT";
  review?: number | null;
  in_reply_to_id?: number;
  login?: string;
  pull?: number;
}

/** A review comment (REST "review-comment", the webhook's `comment`). */
export function reviewComment(spec: CommentSpec) {
  const pull = spec.pull ?? 12;
  const line = spec.line === undefined ? 1 : spec.line;
  return {
    url: `${API}/repos/octo/demo/pulls/comments/${spec.id}`,
    pull_request_review_id: spec.review === undefined ? 500 : spec.review,
    id: spec.id,
    node_id: `PRRC_${spec.id}`,
    diff_hunk: "@@ -0,0 +1 @@\n+x = 0",
    path: spec.path,
    position: line,
    original_position: line ?? 1,
    commit_id: HEAD_SHA,
    original_commit_id: HEAD_SHA,
    ...(spec.in_reply_to_id !== undefined ? { in_reply_to_id: spec.in_reply_to_id } : {}),
    user: user(spec.login ?? "alice"),
    body: spec.body,
    created_at: "2026-12-07T11:00:00Z",
    updated_at: "2026-12-07T11:00:00Z",
    html_url: `https://github.com/octo/demo/pull/${pull}#discussion_r${spec.id}`,
    pull_request_url: `${API}/repos/octo/demo/pulls/${pull}`,
    author_association: "COLLABORATOR",
    start_line: spec.start_line ?? null,
    original_start_line: spec.start_line ?? null,
    start_side: spec.start_line ? (spec.side ?? "RIGHT") : null,
    line,
    original_line: line,
    side: spec.side ?? "RIGHT",
    subject_type: line === null ? "file" : "line",
  };
}

/** `pull_request_review.submitted`: a review (state "commented") by `login` on pull request `pull`. */
export function reviewPayload(options: { id?: number; body?: string | null; login?: string; pull?: number } = {}) {
  const login = options.login ?? "alice";
  const id = options.id ?? 500;
  const pull = options.pull ?? 12;
  return {
    action: "submitted",
    review: {
      id,
      node_id: `PRR_${id}`,
      user: user(login),
      body: options.body === undefined ? null : options.body,
      commit_id: HEAD_SHA,
      submitted_at: "2026-12-07T11:00:00Z",
      state: "commented",
      html_url: `https://github.com/octo/demo/pull/${pull}#pullrequestreview-${id}`,
      pull_request_url: `${API}/repos/octo/demo/pulls/${pull}`,
      author_association: "COLLABORATOR",
    },
    pull_request: pullRequest(pull),
    repository,
    sender: user(login),
    installation: { id: 42 },
  };
}

/** `pull_request_review_comment.created` for one comment. */
export function reviewCommentPayload(spec: CommentSpec, senderType = "User") {
  return {
    action: "created",
    comment: reviewComment(spec),
    pull_request: pullRequest(spec.pull ?? 12),
    repository,
    sender: user(spec.login ?? "alice", senderType),
    installation: { id: 42 },
  };
}

/** The review's comments as pulls.listCommentsForReview answers (as often as asked); `.listed` counts the calls. */
export function reviewCommentsApi(review: number, comments: unknown[], pull = 12): { listed: number } {
  const calls = { listed: 0 };
  nock(API)
    .persist()
    .get(`/repos/octo/demo/pulls/${pull}/reviews/${review}/comments`)
    .query(true)
    .reply(200, () => {
      calls.listed++;
      return comments;
    });
  return calls;
}

/** pulls.getReview, as the comment event's handler asks for the review's own text. */
export function reviewApi(review: number, body: string | null, pull = 12): nock.Scope {
  return nock(API)
    .persist()
    .get(`/repos/octo/demo/pulls/${pull}/reviews/${review}`)
    .reply(200, { id: review, body, state: "COMMENTED", user: user("alice") });
}

/** The replies posted in review threads, as GitHub receives them: which comment each answers, and its text. */
export function captureReplies(pull = 12): { comment: number; body: string }[] {
  const replies: { comment: number; body: string }[] = [];
  let id = 9_000;
  nock(API)
    .persist()
    .post(new RegExp(`^/repos/octo/demo/pulls/${pull}/comments/\\d+/replies$`))
    // nock hands a reply function the request itself (a fetch Request).
    .reply(201, async (request: Request) => {
      const { body } = (await request.json()) as { body: string };
      replies.push({ comment: Number(new URL(request.url).pathname.split("/").at(-2)), body });
      return { id: id++ };
    });
  return replies;
}
