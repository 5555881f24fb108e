// A repository snapshot (RepositoryView: the base commit's text files and which are tests) as
// content-addressed bytes, the same for the bot, in-process workers and swarm workers: a canonical
// JSON serialization cut into fixed-size chunks, a manifest listing each chunk's sha256, and the
// snapshot id = sha256 of the manifest. Equal repositories give equal ids (a second job on the same
// commit reuses the first one's snapshot); one changed byte changes a chunk hash and so the id.
import { createHash } from "node:crypto";
import { z } from "zod";
import { SETUP_LIMITS } from "./sandbox/setup-image.js";
import type { RepositoryView } from "./sandbox/task-run.js";

/** 2 MiB: a chunk and its header stay well inside the swarm's 4 MiB message limit. */
export const SNAPSHOT_CHUNK_BYTES = 2 * 1024 * 1024;

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in lowercase hex");

export const SnapshotManifestSchema = z.object({
  version: z.literal(1),
  /** Bytes of the serialized snapshot (at most 2 GiB: the bot's snapshot limit is far below). */
  size: z
    .number()
    .int()
    .min(0)
    .max(2 * 1024 ** 3),
  chunk_size: z
    .number()
    .int()
    .positive()
    .max(3 * 1024 * 1024),
  chunks: z.array(Sha256Schema),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifestSchema>;

const RepositoryViewSchema = z.object({
  files: z.array(z.object({ path: z.string(), content: z.string() })),
  tests: z.array(z.string()),
  testTimeoutSeconds: z.number().int().min(1).max(3_600).optional(),
  setup: z
    .object({
      commands: z.array(z.string().max(SETUP_LIMITS.commandChars)).min(1).max(SETUP_LIMITS.commands),
      network: z.boolean(),
      binaries: z.array(z.object({ path: z.string(), base64: z.string().regex(/^[A-Za-z0-9+/]*=*$/) })).optional(),
    })
    .optional(),
});

/** A snapshot ready to serve: its id, its manifest and the chunks the manifest names. */
export interface PackedSnapshot {
  id: string;
  manifest: SnapshotManifest;
  chunks: Uint8Array[];
  bytes: Uint8Array;
}

export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/** The view with its files in path order and its tests sorted: what every side lays out. */
export function canonicalView(view: RepositoryView): RepositoryView {
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    files: [...view.files].sort((a, b) => byPath(a.path, b.path)).map((f) => ({ path: f.path, content: f.content })),
    tests: [...new Set(view.tests)].sort(byPath),
    ...(view.testTimeoutSeconds ? { testTimeoutSeconds: view.testTimeoutSeconds } : {}),
    // The setup travels with the files it reads: the same id means the same derived image.
    ...(view.setup?.commands.length
      ? {
          setup: {
            commands: [...view.setup.commands],
            network: view.setup.network,
            ...(view.setup.binaries?.length
              ? {
                  binaries: [...view.setup.binaries]
                    .sort((a, b) => byPath(a.path, b.path))
                    .map((b) => ({ path: b.path, base64: b.base64 })),
                }
              : {}),
          },
        }
      : {}),
  };
}

/** The canonical bytes of a view: JSON of its canonical form, fields in a fixed order. */
export function serializeView(view: RepositoryView): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(canonicalView(view)));
}

/** The manifest of serialized snapshot bytes (each chunk's hash, in order). */
export function manifestOf(bytes: Uint8Array, chunkSize = SNAPSHOT_CHUNK_BYTES): SnapshotManifest {
  const chunks: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(sha256(bytes.subarray(at, at + chunkSize)));
  return { version: 1, size: bytes.length, chunk_size: chunkSize, chunks };
}

/** The snapshot id: sha256 of the manifest's JSON (fields in the schema's order). */
export function snapshotIdOf(manifest: SnapshotManifest): string {
  const { version, size, chunk_size, chunks } = manifest;
  return sha256(JSON.stringify({ version, size, chunk_size, chunks }));
}

export function packSnapshot(view: RepositoryView, chunkSize = SNAPSHOT_CHUNK_BYTES): PackedSnapshot {
  const bytes = serializeView(view);
  const manifest = manifestOf(bytes, chunkSize);
  const chunks = manifest.chunks.map((_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  return { id: snapshotIdOf(manifest), manifest, chunks, bytes };
}

/** Whether `chunk` is the manifest's chunk `index` (its length and its hash). */
export function chunkMatches(manifest: SnapshotManifest, index: number, chunk: Uint8Array): boolean {
  const expectedSize = Math.min(manifest.chunk_size, manifest.size - index * manifest.chunk_size);
  return index < manifest.chunks.length && chunk.length === expectedSize && sha256(chunk) === manifest.chunks[index];
}

/** The view in serialized snapshot bytes; throws when they are not one (zod-checked). */
export function parseSnapshot(bytes: Uint8Array): RepositoryView {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("the repository snapshot is not JSON");
  }
  const parsed = RepositoryViewSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`the repository snapshot is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
