// Which of a model's context sequences a prompt goes to. node-llama-cpp re-evaluates only the
// tokens after the longest prefix a sequence already holds, so a task's calls (5.2, 5.6, repairs:
// all open with the same "Given:" block) are cheap when they land on the sequence that served the
// task before. Tasks that share a model at the same time (dellm run --workers) each keep a
// sequence, so their interleaved calls do not erase each other's prefix. A task is known by the
// file its prompts name (Prompt.file): tasks of one job share the user query and plan, so the
// text alone does not tell a task's next prompt from another task's.

export class SequencePool<T> {
  private readonly lastKey: (string | undefined)[];
  private readonly lastUsed: number[];
  private clock = 0;

  constructor(private readonly items: readonly T[]) {
    if (items.length === 0) throw new Error("SequencePool needs at least one item");
    this.lastKey = items.map(() => undefined);
    this.lastUsed = items.map(() => 0);
  }

  /** The item that last served `key` (a task's file), else the least recently used one; records the use. */
  take(key: string | undefined): T {
    let chosen = key === undefined ? -1 : this.lastKey.indexOf(key);
    if (chosen < 0) chosen = this.lastUsed.indexOf(Math.min(...this.lastUsed));
    this.lastKey[chosen] = key;
    this.lastUsed[chosen] = ++this.clock;
    return this.items[chosen]!;
  }
}
