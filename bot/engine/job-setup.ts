// A job's environment: when .github/dellm.yml has `setup`, the derived image is built (or reused)
// from the base commit before any task goes out, and every test of the job runs in it (in-process
// workers, the bot's re-test, the repository's own tests). A setup that fails stops the job before
// planning (bot/github/job-setup.ts tells the issue; `dellm run` prints the log).
import { SetupFailedError, type SetupImage, type SetupImages } from "../../shared/sandbox/setup-image.js";
import { repositorySetupSource } from "../../shared/sandbox/setup-source.js";
import type { AppSettings } from "../github/app-settings.js";

/** The derived image for the job's base commit, or undefined when the repository has no setup. */
export async function jobSetupImage(
  settings: AppSettings,
  /** The repository's identity (`github.com/owner/name`): no other repository's image is reused. */
  repository: string,
  repoDir: string,
  baseRef: string,
  setups: SetupImages,
  /**
   * The bot's operator lets setup commands reach the network (DELLM_SETUP_NETWORK, default true); it
   * is lent only where setup-network.ts can fence it, else the setup is refused with the reason.
   */
  networkAllowed = true,
): Promise<SetupImage | undefined> {
  if (settings.setup.length === 0) return undefined;
  if (settings.setup_network && !networkAllowed)
    throw new SetupFailedError(
      "this bot's operator does not let setup commands reach the network (DELLM_SETUP_NETWORK=false); install from files in the repository instead (pip install --no-index --find-links wheels -r requirements.txt) and set setup_network: false",
      null,
      "",
    );
  const source = await repositorySetupSource(repoDir, baseRef, settings.snapshot_limit_mb * 2 ** 20);
  return setups.ensure({ repository, commands: settings.setup, network: settings.setup_network, source });
}

/** The PR's note on where the tests ran. */
export function setupNote(image: SetupImage, settings: AppSettings): string {
  return `The tests ran in \`${image.image.slice(0, 25)}…\`, the image the repository's \`setup\` (${settings.setup.length} command(s)${settings.setup_network ? ", with network" : ", offline"}) ${image.built ? "built for this job" : "had built before (reused)"}.`;
}
