// Writes docker/seccomp.json, the seccomp profile of every sandbox container: Docker's default
// profile (docker/seccomp-docker-default.json, moby profiles/seccomp/default.json as shipped with
// Docker 20.10.24 in Debian's golang-github-docker-docker-dev) minus the syscalls below, which
// generated code has no use for and which have a record of kernel exploits. A syscall the profile
// does not allow fails with EPERM (the profile's default action).
//
//   npx tsx scripts/make-seccomp-profile.ts [path/to/docker-default.json]
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";

export const REFUSED_SYSCALLS = [
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "ptrace",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "perf_event_open",
  "bpf",
];

const RuleSchema = z.looseObject({ names: z.array(z.string()) });
const ProfileSchema = z.looseObject({ defaultAction: z.literal("SCMP_ACT_ERRNO"), syscalls: z.array(RuleSchema) });

const source = process.argv[2] ?? new URL("../docker/seccomp-docker-default.json", import.meta.url);
const target = new URL("../docker/seccomp.json", import.meta.url);
const profile = ProfileSchema.parse(JSON.parse(await readFile(source, "utf8")));
const refused = new Set(REFUSED_SYSCALLS);
// Drop the names from every rule (some are allowed conditionally, e.g. with CAP_SYS_ADMIN), and rules left empty.
const syscalls = profile.syscalls
  .map((rule) => ({ ...rule, names: rule.names.filter((name) => !refused.has(name)) }))
  .filter((rule) => rule.names.length > 0);
await writeFile(target, `${JSON.stringify({ ...profile, syscalls }, null, "\t")}\n`);
const removed = profile.syscalls.flatMap((r) => r.names).filter((name) => refused.has(name));
console.log(`wrote ${target.pathname}: Docker's default minus ${[...new Set(removed)].join(", ")}`);
