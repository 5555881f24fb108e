// What the planner and the workers see of the repository: its file list, the contents of the files
// the issue most likely touches (within a character budget), and a file's current content.
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { repoRelativePath } from "../../shared/repo-path.js";
import { LIMITS, type Task } from "../../shared/schemas.js";
import { sha256 } from "./existing-file-guard.js";

export interface RepositoryContext {
  files: string[];
  /** Files whose content is included, in the order shown. */
  shown: string[];
  /** Text appended to Query 5.1. */
  text: string;
}

const MAX_LISTED_FILES = 400;
/** Text files only: bigger or binary files are listed but never shown. */
const MAX_SHOWN_FILE_BYTES = 32_000;

/**
 * Files tracked at HEAD, then the contents of the likeliest ones until `maxChars` is used: those the
 * issue names by path, file name or module name first, then READMEs, then small source files.
 */
export async function repositoryContext(
  repoPath: string,
  issueText: string,
  maxChars: number,
  /** false: the file list only, no file's content (a private repository's code kept from a third-party planner). */
  contents = true,
): Promise<RepositoryContext> {
  const listing = await simpleGit(repoPath).raw(["ls-files", "-z"]);
  const files = listing.split("\0").filter(Boolean).sort();
  const header = files.length
    ? `The repository already contains these files${files.length > MAX_LISTED_FILES ? ` (first ${MAX_LISTED_FILES} of ${files.length})` : ""}:\n${files.slice(0, MAX_LISTED_FILES).join("\n")}`
    : "The repository is empty.";
  let text = `\n\nRepository context (plan tasks that change existing files where they fit, and new files where not):${testLayoutRule(files)}\n${header}`;
  const shown: string[] = [];
  if (!contents) return { files, shown, text: text.length <= maxChars ? text : cut(text, maxChars) };
  // The repository's instructions to contributors come first, bounded to a quarter of the budget.
  const instructions = await repositoryInstructions(repoPath, files, Math.floor(maxChars / 4));
  if (instructions) {
    text += `\n\nThe repository's instructions (${instructions.path}), follow them:\n${instructions.text}`;
    shown.push(instructions.path);
  }
  for (const path of rankByRelevance(files, issueText)) {
    const content = await readTextFile(join(repoPath, path));
    if (content === null) continue;
    const block = `\n\n--- ${path} ---\n${content}`;
    if (text.length + block.length > maxChars) continue;
    text += block;
    shown.push(path);
  }
  return { files, shown, text: text.length <= maxChars ? text : cut(text, maxChars) };
}

const cut = (text: string, maxChars: number) => `${text.slice(0, maxChars - 20)}\n…[list truncated]`;

/**
 * Tests of a change to an existing module go where the repository keeps its tests, never into the
 * library module itself: a task of their own that depends on the module's task.
 */
function testLayoutRule(files: string[]): string {
  const folder = ["tests", "test"].find((dir) => files.some((f) => f.startsWith(`${dir}/`) && /\.py$/.test(f)));
  if (!folder) return "";
  return `\nThis repository keeps its tests in ${folder}/: when a task changes an existing module, put the tests of that change in a separate task that writes ${folder}/test_<module>.py (or changes the existing test file of that module) and depends on the module's task; never add tests to a library module.`;
}

/** Where a repository writes its instructions for dellm (first found wins). */
export const INSTRUCTION_FILES = [".github/dellm.md", "AGENTS.md"];

/** The repository's instructions for contributors, cut to `maxChars` (the cut is marked). */
export async function repositoryInstructions(
  repoPath: string,
  files: string[],
  maxChars: number,
): Promise<{ path: string; text: string } | null> {
  const path = INSTRUCTION_FILES.find((candidate) => files.includes(candidate));
  if (!path) return null;
  const content = await readTextFile(join(repoPath, path));
  if (content === null) return null;
  const text = content.length > maxChars ? `${content.slice(0, maxChars)}\n…[cut: the file is longer]` : content;
  return { path, text };
}

function rankByRelevance(files: string[], issueText: string): string[] {
  const words = new Set(issueText.toLowerCase().match(/[a-z0-9_./-]+/g) ?? []);
  const lowered = issueText.toLowerCase();
  const score = (path: string): number => {
    const lower = path.toLowerCase();
    const name = lower.split("/").at(-1)!;
    const stem = name.replace(/\.[^.]+$/, "");
    if (lowered.includes(lower)) return 100;
    if (words.has(name)) return 80;
    if (stem.length >= 3 && words.has(stem)) return 60;
    if (/^readme(\.|$)/.test(name)) return 40;
    if (name.endsWith(".py")) return 20 - Math.min(lower.split("/").length, 10);
    return 0;
  };
  return files
    .map((path) => ({ path, score: score(path) }))
    .filter((f) => f.score > 0)
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path))
    .map((f) => f.path);
}

/** UTF-8 text of a regular file up to the size limit, else null (symlinks are never followed). */
async function readTextFile(path: string): Promise<string | null> {
  const stat = await lstat(path).catch(() => null);
  if (!stat?.isFile() || stat.size > MAX_SHOWN_FILE_BYTES) return null;
  const bytes = await readFile(path);
  if (bytes.includes(0)) return null;
  return bytes.toString("utf8");
}

/**
 * The tasks with `current_content` set for each file that already exists in the checkout (or, given
 * `commit`, in that commit), so the worker changes it instead of replacing it. Returns the notes for
 * files too big to hand over.
 */
export async function withCurrentContent(
  repoPath: string,
  tasks: Task[],
  commit?: string,
): Promise<{ tasks: Task[]; notes: string[] }> {
  const notes: string[] = [];
  const updated: Task[] = [];
  for (const { current_content: _stale, existing_file: _staleFile, ...task } of tasks) {
    const path = repoRelativePath(task.directory, task.file);
    const content =
      commit === undefined ? await checkedOutFile(repoPath, path) : await committedFile(repoPath, commit, path);
    if (content === null) {
      updated.push(task);
    } else if (Buffer.byteLength(content) > LIMITS.codeBytes || content.includes("\0")) {
      notes.push(
        `${path} is binary or bigger than ${LIMITS.codeBytes} bytes; task ${task.id} cannot change it (the bot refuses to replace it unseen)`,
      );
      updated.push(task);
    } else {
      // The whole file for the worker to edit; current_content too when it fits a prompt whole
      // (workers before issue 17 show only that one and answer with a whole file).
      const existing_file = { content, sha256: sha256(content) };
      updated.push(
        content.length > LIMITS.contextChars
          ? { ...task, existing_file }
          : { ...task, current_content: content, existing_file },
      );
    }
  }
  return { tasks: updated, notes };
}

/** Characters of the repository's instructions each task carries to its worker (its prompt may cut more). */
export const WORKER_INSTRUCTION_CHARS = 4_000;

/**
 * The tasks with the repository's instructions (.github/dellm.md, else AGENTS.md, as tracked in the
 * checkout) for their workers' prompts, cut to WORKER_INSTRUCTION_CHARS; unchanged when there are none.
 */
export async function withRepositoryInstructions(repoPath: string, tasks: Task[]): Promise<Task[]> {
  const files = (await simpleGit(repoPath).raw(["ls-files", "-z"])).split("\0").filter(Boolean);
  const instructions = await repositoryInstructions(repoPath, files, WORKER_INSTRUCTION_CHARS);
  return instructions ? tasks.map((task) => ({ ...task, repository_instructions: instructions.text })) : tasks;
}

/** A regular file's text in the working tree (symlinks are never followed), else null. */
async function checkedOutFile(repoPath: string, path: string): Promise<string | null> {
  const stat = await lstat(join(repoPath, path)).catch(() => null);
  return stat?.isFile() ? readFile(join(repoPath, path), "utf8") : null;
}

/** A file's text at a commit (the job's base, whatever is checked out), else null. */
async function committedFile(repoPath: string, commit: string, path: string): Promise<string | null> {
  const git = simpleGit(repoPath);
  const type = await git.raw(["cat-file", "-t", `${commit}:${path}`]).catch(() => "");
  return type.trim() === "blob" ? git.raw(["cat-file", "blob", `${commit}:${path}`]) : null;
}
