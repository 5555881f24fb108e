// The seccomp profile of every sandbox container (docker/seccomp.json, made by
// scripts/make-seccomp-profile.ts: Docker's default minus io_uring, ptrace, userfaultfd, keyctl,
// add_key, request_key, perf_event_open and bpf), as the JSON text Docker's API expects in
// HostConfig.SecurityOpt ("seccomp=<profile>").
import profile from "../../docker/seccomp.json" with { type: "json" };

export const SECCOMP_PROFILE = JSON.stringify(profile);
