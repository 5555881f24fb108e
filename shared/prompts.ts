// The prompt templates of the seed plan (Queries 5.1, 5.2, 5.3, 5.6, 5.7), kept word for word,
// plus the repair prompt that feeds a failing test log back to the code model. Each prompt carries
// its name (kind) to the model, so models and scripted answers pick by name, never by wording.
import type { Subtask, Task } from "./schemas.js";

/**
 * decompose 5.1, can-solve 5.2, split 5.3, code 5.6, repair (5.6 + the failing log), summary 5.7;
 * baseline: dellm eval's one-shot comparison; plain: a prompt outside the pipeline (model tests, benchmarks).
 */
export type PromptKind = "decompose" | "can-solve" | "split" | "code" | "repair" | "summary" | "baseline" | "plain";

export interface Prompt {
  kind: PromptKind;
  text: string;
  /** The repository path the task writes (can-solve, split, code, repair). */
  file?: string;
}

/** A prompt that is not one of the pipeline's. */
export function plainPrompt(text: string): Prompt {
  return { kind: "plain", text };
}

/** Fields every worker-side query (5.2, 5.3, 5.6) shows the model. */
export interface TaskPromptInput {
  userQuery: string;
  /** The plan of action, already rendered (and, if needed, summarised) to fit the token budget. */
  plan: string;
  task: Task;
  /** The repository's instructions (task.repository_instructions), as fitted to the budget; absent = none shown. */
  instructions?: string;
}

/** The repository's instructions, after the seed's "Given:" lines (5.2, 5.6, repair), only when there are any. */
function instructionLines({ instructions }: TaskPromptInput): string {
  return instructions ? `\n- The repository's instructions for contributors (follow them):\n${instructions}` : "";
}

/** The Task fields as the seed's "Task / Input/Output / Directory" lines show them. */
function taskLines({ userQuery, plan, task }: TaskPromptInput): string {
  return [
    "Given:",
    `- User query: ${userQuery}`,
    `- Plan of action: ${plan}`,
    `- Task: ${task.description}${task.context ? ` (context: ${task.context})` : ""}`,
    `- Input/Output: ${task.input_output_spec}`,
    `- Directory: ${joinTaskPath(task)}`,
  ].join("\n");
}

/** directory + file, as the plan writes it ("app/" + "models.py"). */
export function joinTaskPath(task: Pick<Task, "directory" | "file">): string {
  const dir = task.directory.replace(/\/+$/, "");
  return dir && dir !== "." ? `${dir}/${task.file}` : task.file;
}

/** Query 5.1: decompose the user's query into a plan of tasks (orchestrator). */
export function decompositionPrompt(userQuery: string): Prompt {
  return { kind: "decompose", text: decompositionText(userQuery) };
}

function decompositionText(userQuery: string): string {
  return `Given ${userQuery}:
I need you to understand the user query and break it down into subproblems or 
subtasks that can be solved by a network of SLMs to solve the user's query.

Create a concise and clear plan of action to break down the user's requirement 
into smaller tasks. The task should include:
- inputs and outputs required
- directory and repository to the file where the code has to be written to
- context of the task it has to solve
- Test each piece of code generated in each node

Ensure the tasks are completed in the correct order in p.o.a.
The p.o.a should have the list of all the tasks.

Return as valid JSON array with this structure:
[{
  "id": 1,
  "description": "Create models.py with User table",
  "file": "models.py",
  "dependencies": [],
  "input_output_spec": "Input: None, Output: SQLAlchemy User model class",
  "directory": "app/",
  "context": "Database models for user authentication"
}]`;
}

/**
 * Appended to Query 5.1 where the GitHub App may ask on the issue (issue 24): instead of guessing a
 * plan for a request too vague to plan, the planner may answer with 1-3 clarifying questions.
 */
export const CLARIFYING_QUESTIONS_OPTION = `

If the request is too vague to plan (you cannot tell which files to write or what the code must do),
do not guess: return ONLY a JSON object with 1 to 3 short, specific questions for the person who asked,
each under 300 characters, for example:
{"questions": ["Which module should the parser live in?", "Should invalid input raise an error or return None?"]}
Otherwise return the plan as above.`;

/** Appended to Query 5.1 where questions are not possible (the last round was answered): plan with what there is. */
export const NO_MORE_QUESTIONS = `

Questions cannot be asked any more: return the plan (the JSON array), making reasonable assumptions where the request is unclear.`;

/** The clarifying questions asked on the issue and the replies to them, as the planner sees them. */
export function clarificationText(rounds: { questions: string[]; answer?: { by: string; body: string } }[]): string {
  const answered = rounds.flatMap(({ questions, answer }) => (answer ? [{ questions, answer }] : []));
  return answered
    .map(({ questions, answer }, index) =>
      [
        `Clarifying questions (round ${index + 1}) asked on the issue:`,
        ...questions.map((q, i) => `${i + 1}. ${q}`),
        `Answer from @${answer.by} (quoted as written):`,
        ...answer.body.split("\n").map((line) => `> ${line}`),
      ].join("\n"),
    )
    .join("\n\n");
}

/** Query 5.2: can this small model solve the task alone? */
export function canSolvePrompt(input: TaskPromptInput): Prompt {
  return taskPrompt(
    "can-solve",
    input,
    `${taskLines(input)}${instructionLines(input)}

Can the given task be completely solved by this SLM? 
Answer ONLY 'yes' or 'no'.`,
  );
}

function taskPrompt(kind: PromptKind, input: TaskPromptInput, text: string): Prompt {
  return { kind, text, file: joinTaskPath(input.task) };
}

/** Query 5.3: split a task that is too big into 2-4 subtasks. */
export function splitPrompt(input: TaskPromptInput): Prompt {
  return taskPrompt(
    "split",
    input,
    `${taskLines(input)}

Divide the task into 2-4 subtasks so they can be solved by other nodes.
Try to minimize the number of subtasks needed to solve this task.

Return as JSON array:
[{
  "subtask_description": "...",
  "subtask_input_output": "...",
  "subtask_order": 1
}]`,
  );
}

export interface CodePromptInput extends TaskPromptInput {
  /** Subtasks from Query 5.3, solved in order within this one file. */
  subtasks?: Subtask[];
  /** Modules this task depends on, so the code imports rather than re-implements them. */
  dependencyPaths?: string[];
  /** What the model sees of the existing file (shared/edits/file-view.ts); the answer is then edits. */
  fileView?: string;
  /**
   * The existing file is small and shown whole: the answer is the complete new file (edits are
   * still taken). Small models apply edits less reliably than they retype a short file (Aider).
   */
  wholeFile?: boolean;
}

/** Query 5.6: generate the code and its tests. */
export function codePrompt(input: CodePromptInput): Prompt {
  return taskPrompt("code", input, codeText(input));
}

function codeText(input: CodePromptInput): string {
  const extra: string[] = [];
  if (input.subtasks?.length) {
    extra.push(
      "- Subtasks, in order:",
      ...[...input.subtasks]
        .sort((a, b) => a.subtask_order - b.subtask_order)
        .map((s) => `  ${s.subtask_order}. ${s.subtask_description} (${s.subtask_input_output})`),
    );
  }
  if (input.dependencyPaths?.length) {
    extra.push(`- Existing modules you can import: ${input.dependencyPaths.join(", ")}`);
  }
  extra.push(`- File: ${joinTaskPath(input.task)}`);
  if (input.fileView !== undefined) {
    extra.push(
      "- The file already exists. Change it as the task asks with edits; keep everything else it does.",
      input.fileView,
    );
  } else if (input.task.current_content !== undefined) {
    extra.push(
      "- The file already exists. Change it as the task asks and keep everything else it does; output the whole new file. Its current content:",
      input.task.current_content,
    );
  }
  return `${taskLines(input)}${instructionLines(input)}
${extra.join("\n")}

Solve the task:
1. Ensure inputs and outputs match properly
2. Write test cases to test this code
3. Write comments to document and reason
4. Generate production-ready Python code

Output ONLY the code, no explanations, no markdown.${input.fileView === undefined ? "" : input.wholeFile ? WHOLE_FILE_INSTRUCTIONS : EDIT_INSTRUCTIONS}`;
}

/** Added to 5.6 and repair when the file exists, is small and is shown whole: the answer is the new file. */
const WHOLE_FILE_INSTRUCTIONS = `

The file already exists and is shown whole above. Output the complete new file: every line of it, changed or not, with the task's changes made; keep everything else it does.
Tests belong where the repository keeps them: if the plan has a task that writes the tests of this file (tests/test_<module>.py), do not add tests to this file.`;

/** Added to 5.6 and repair when the file exists: the answer is edits, never the whole file. */
const EDIT_INSTRUCTIONS = `

The file already exists, so the code you output is edits to it, not the whole file. Edits apply in order to the file as shown. Use either form:
To change lines, copy them exactly into a block (the SEARCH lines must occur exactly once in the file):
<<<<<<< SEARCH
lines exactly as in the file
=======
their replacement
>>>>>>> REPLACE
To change Python definitions by name (names as in the outline), a header line followed by the code:
@@@ REPLACE Class.method        (the new definition replaces the old one whole)
@@@ INSERT AFTER Class.method   (a new definition placed after that one)
@@@ INSERT INTO Class           (a new method at the end of the class)
@@@ IMPORTS                     (import lines to add at the top)
End the last @@@ block with the line @@@ END.
Tests belong where the repository keeps them: if the plan has a task that writes the tests of this file (tests/test_<module>.py), do not add tests to this file.`;

/** Repair round: the previous code and why its tests failed. */
export function repairPrompt(input: CodePromptInput & { previousCode: string; failureLog: string }): Prompt {
  return taskPrompt(
    "repair",
    input,
    `${codeText(input)}

Your previous code was:
${input.previousCode}

Its tests failed with this output:
${input.failureLog}

Fix the code so that all tests pass. Output ONLY the complete corrected code, no explanations, no markdown.${input.fileView !== undefined && !input.wholeFile ? "\nHere that means all the edits again, applied to the file as shown (not on top of your previous edits)." : ""}`,
  );
}

/** Query 5.7: tell the user what was done. */
export function summaryPrompt(userQuery: string, plan: string, problems: string[] = []): Prompt {
  // The seed's prompt, plus what did not work out: a summary must not say "Added X" over a file that failed or was never written.
  const notDone = problems.length
    ? `- Not done (say so, and do not claim these were added or work): ${problems.join("; ")}\n`
    : "";
  return {
    kind: "summary",
    text: `Given:
- User query: ${userQuery}
- Plan of action: ${plan}
${notDone}
Now that all the code has been generated, tell the user what has been done 
to solve their query and how to run and test the code. Also mention the 
repository where the code was modified.

Keep response under 200 words.`,
  };
}

/** The plan of action as the models see it: one line per task, in id order. */
export function renderPlan(tasks: Task[]): string {
  return [...tasks]
    .sort((a, b) => a.id - b.id)
    .map((t) => {
      const deps = t.dependencies.length ? ` (after ${t.dependencies.join(", ")})` : "";
      return `${t.id}. ${joinTaskPath(t)}: ${t.description}${deps}`;
    })
    .join("\n");
}
