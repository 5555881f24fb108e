// A size bound on a container's writable layer where Docker has none: overlay2 on ext4 (no project
// quotas) refuses `--storage-opt size`, so a setup could fill the disk before any check after it.
// Here, before the container starts, its layer folder (the overlay's upper and work dirs) is moved
// onto a fresh ext4 file system of fixed size, loop-mounted over it: the kernel answers ENOSPC past
// the bound. The backing file is unlinked once mounted (the loop device holds it), so nothing is left
// on disk when the mount goes; `docker rm` unmounts it (Docker's removal unmounts what is mounted in
// a layer folder), the start-up sweep included. Needs root, overlay2 and a daemon on this machine;
// elsewhere nothing is mounted and the caller's check of the bytes written is the only bound.
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { z } from "zod";

const exec = promisify(execFile);

/** Puts the created (not started) container's writable layer on `bytes` of its own; false when it cannot here. */
export async function boundWritableLayer(container: Docker.Container, bytes: number): Promise<boolean> {
  const size = z
    .number()
    .int()
    .min(8 * 2 ** 20)
    .parse(bytes);
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  // (dockerode types GraphDriver.Data after devicemapper; overlay2 reports its folders there.)
  const driver = (await container.inspect()).GraphDriver as { Name: string; Data?: Record<string, string> };
  const upper = driver.Data?.["UpperDir"];
  if (driver.Name !== "overlay2" || !upper || driver.Data?.["WorkDir"] !== join(dirname(upper), "work")) return false;
  const layer = dirname(upper);
  try {
    await access(upper); // the daemon's folders are on this machine
  } catch {
    return false;
  }
  const scratch = await mkdtemp(join(tmpdir(), "dellm-layer-"));
  const file = join(scratch, "layer.ext4");
  const staging = join(scratch, "mnt");
  let mounted = false;
  try {
    await exec("truncate", ["-s", String(size), file]);
    // No journal, no reserved blocks: a throw-away file system, all of it for the layer.
    await exec("mkfs.ext4", ["-q", "-F", "-m", "0", "-O", "^has_journal", file]);
    await mkdir(staging);
    await exec("mount", ["-o", "loop", file, staging]);
    mounted = true;
    await exec("cp", ["-a", `${layer}/.`, `${staging}/`]);
    await exec("umount", [staging]);
    mounted = false;
    await exec("mount", ["-o", "loop", file, layer]);
    return true;
  } catch {
    if (mounted) await exec("umount", [staging]).catch(() => {});
    return false;
  } finally {
    // Mounted or not, the file goes: a loop device keeps its data until it is unmounted.
    await rm(file, { force: true });
    await rmdir(staging).catch(() => {});
    await rmdir(scratch).catch(() => {});
  }
}
