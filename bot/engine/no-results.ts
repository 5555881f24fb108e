// A job that got nothing it could deliver: no worker sent a usable result in time, or none of the
// results could be written. The App fails the job with what to do (bot/github/job-failures.ts);
// `dellm run` reports the tasks as not written.

/** No volunteer sent anything usable in time. */
export class NoResultsError extends Error {
  override name = "NoResultsError";
}

/** A private repository's job that no trusted worker took in time. */
export class NoTrustedResultsError extends NoResultsError {
  override name = "NoTrustedResultsError";
}
