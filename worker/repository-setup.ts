// A swarm worker's side of a repository's `setup`: the derived image built from the snapshot (its
// text files; binaries are not in a snapshot, so a setup that reads a folder of wheels works on the
// bot only), once per content on this machine, and the view pointed at it. Without this (dellm-worker
// --no-setup) the worker says so in its claims and the coordinator gives it no such job.
import { createHash } from "node:crypto";
import { pack } from "tar-stream";
import { SetupFailedError, type SetupImages, type SetupSource } from "../shared/sandbox/setup-image.js";
import type { RepositoryView } from "../shared/sandbox/task-run.js";

/** Makes a fetched repository ready to test in. */
export type PrepareRepository = (view: RepositoryView) => Promise<RepositoryView>;

/**
 * The repository with its setup image built (or reused) by `images`; a view without setup as it is.
 * A setup that needs the network is refused unless `allowNetwork` (the coordinator should not have
 * granted it: the volunteer's own network is theirs to lend).
 */
export function setupPreparer(
  images: SetupImages,
  log: (line: string) => void = () => {},
  allowNetwork = false,
): PrepareRepository {
  return async (view) => {
    if (!view.setup) return view;
    if (view.setup.network && !allowNetwork)
      throw new SetupFailedError(
        "this repository's setup needs the network, which this worker does not lend to setup commands (start dellm-worker with --setup-network to allow it)",
        null,
        "",
      );
    const { commands, network, binaries = [] } = view.setup;
    const files = [
      ...view.files.map((f) => ({ path: f.path, bytes: Buffer.from(f.content, "utf8") })),
      ...binaries.map((b) => ({ path: b.path, bytes: Buffer.from(b.base64, "base64") })),
    ];
    // The snapshot names no repository: the images' scope (the coordinator) and the whole tree tell them apart.
    const built = await images.ensure({
      repository: "swarm snapshot",
      commands,
      network,
      source: snapshotSetupSource(files),
    });
    log(`${built.built ? "built" : "reused"} the repository's setup image ${built.image}`);
    return { ...view, image: built.image };
  };
}

/** A file of the repository as the setup container gets it. */
interface SetupFileBytes {
  path: string;
  bytes: Buffer;
}

/** The snapshot's files as a setup source: named by git blob id (as the bot names them), archived as tar. */
export function snapshotSetupSource(files: SetupFileBytes[]): SetupSource {
  return {
    files: files.map((f) => ({ path: f.path, digest: gitBlobId(f.bytes) })),
    archive: () => tarOf(files),
  };
}

function gitBlobId(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

async function tarOf(files: SetupFileBytes[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  // Each folder first, as git archive writes them, so the files' owner and mode are as on the bot.
  const folders = new Set(
    files.flatMap((f) =>
      f.path
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
    ),
  );
  for (const folder of [...folders].sort()) archive.entry({ name: `${folder}/`, type: "directory", mode: 0o755 });
  for (const file of files) archive.entry({ name: file.path, mode: 0o644 }, file.bytes);
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}
