// The job queue alone: the limit under a burst, the fairness order across installations and
// repositories, a stop of a queued job, and the order a restart re-queues jobs in.
import { describe, expect, it } from "vitest";
import { JobQueue, QueueFullError, type QueueEntry } from "./job-queue.js";

const job = (id: string, installation = 1, repository = "octo/a"): QueueEntry => ({ id, installation, repository });
const ids = (entries: QueueEntry[]) => entries.map((e) => e.id);

/** Starts what the queue hands out; returns the ids started. */
function drain(queue: JobQueue): string[] {
  const started: string[] = [];
  for (let entry = queue.next(); entry; entry = queue.next()) started.push(entry.id);
  return started;
}

describe("JobQueue", () => {
  it("never runs more than the limit under a burst, and starts the next job as each one ends", () => {
    const queue = new JobQueue(2);
    let running = 0;
    let most = 0;
    const live = new Set<string>();
    const start = () => {
      for (const id of drain(queue)) {
        live.add(id);
        most = Math.max(most, ++running);
      }
    };
    for (let i = 0; i < 20; i++) {
      queue.enqueue(job(`j${i}`, 1 + (i % 3), `octo/r${i % 5}`));
      start();
    }
    expect(running).toBe(2);
    expect(queue.queued).toBe(18);
    // End jobs in a scrambled order, starting more each time.
    while (live.size > 0) {
      const [first, second] = [...live];
      const ended = live.size > 1 && second! < first! ? second! : first!;
      live.delete(ended);
      running--;
      queue.finished(ended);
      start();
      expect(queue.running).toBeLessThanOrEqual(2);
    }
    expect(most).toBe(2);
    expect([queue.queued, queue.running]).toEqual([0, 0]);
  });

  it("takes the next job from the installation with the fewest running, then round-robin, not the busiest", () => {
    const queue = new JobQueue(2);
    for (let i = 1; i <= 20; i++) queue.enqueue(job(`busy-${i}`, 1, "octo/busy"));
    queue.enqueue(job("other-1", 2, "acme/app"));
    queue.enqueue(job("third-1", 3, "zed/z"));
    queue.enqueue(job("other-2", 2, "acme/app"));
    // One slot to the busy installation (first come), the other to an installation with none running.
    expect(drain(queue)).toEqual(["busy-1", "other-1"]);
    // The queue's announced order: installations take turns while their queues last.
    expect(ids(queue.order()).slice(0, 5)).toEqual(["third-1", "busy-2", "other-2", "busy-3", "busy-4"]);
    expect(queue.ahead("other-2")).toBe(2);
    queue.finished("busy-1");
    expect(drain(queue)).toEqual(["third-1"]);
    queue.finished("other-1");
    // Installations 1 and 2 have none running now: 1 was served longer ago, so its turn comes first.
    expect(drain(queue)).toEqual(["busy-2"]);
    queue.finished("third-1");
    expect(drain(queue)).toEqual(["other-2"]);
  });

  it("within an installation, shares the slots between its repositories, first come first served in each", () => {
    const queue = new JobQueue(3);
    for (let i = 1; i <= 4; i++) queue.enqueue(job(`a-${i}`, 7, "octo/a"));
    queue.enqueue(job("b-1", 7, "octo/b"));
    queue.enqueue(job("c-1", 7, "octo/c"));
    expect(drain(queue)).toEqual(["a-1", "b-1", "c-1"]);
    queue.finished("b-1");
    expect(drain(queue)).toEqual(["a-2"]);
    expect(ids(queue.order())).toEqual(["a-3", "a-4"]);
  });

  it("says how many jobs are ahead when a job is queued", () => {
    const queue = new JobQueue(1);
    expect(queue.enqueue(job("first"))).toBe(0);
    expect(drain(queue)).toEqual(["first"]);
    expect(queue.enqueue(job("second"))).toBe(0);
    expect(queue.enqueue(job("third"))).toBe(1);
    // Another installation's job goes before the busy one's second: it has none running.
    expect(queue.enqueue(job("elsewhere", 2, "acme/x"))).toBe(0);
    expect(queue.ahead("third")).toBe(2);
    expect(queue.ahead("first")).toBeUndefined();
  });

  it("takes a stopped job off the queue: it never starts and the others move up", () => {
    const queue = new JobQueue(1);
    for (const id of ["a", "b", "c"]) queue.enqueue(job(id));
    expect(drain(queue)).toEqual(["a"]);
    expect(queue.remove("b")).toBe(true);
    expect(queue.remove("b")).toBe(false);
    expect(queue.remove("a")).toBe(false); // running: not the queue's to remove
    expect(queue.ahead("c")).toBe(0);
    queue.finished("a");
    expect(drain(queue)).toEqual(["c"]);
    expect(queue.has("b")).toBe(false);
  });

  it("re-queued after a restart in saved order, jobs of one repository start in that order", () => {
    const queue = new JobQueue(1);
    const saved = ["old", "older-retry", "newest"];
    for (const id of saved) queue.enqueue(job(id));
    const started: string[] = [];
    for (let i = 0; i < saved.length; i++) {
      started.push(...drain(queue));
      queue.finished(started.at(-1)!);
    }
    expect(started).toEqual(saved);
  });

  it("after a restart, jobs that had started take the slots first, whatever the fair order says", () => {
    // Both in flight at the kill were one installation's; the fair order would give the second slot to another.
    const queue = new JobQueue(2);
    queue.enqueue(job("a-running-1", 1, "octo/a"), { resumed: true });
    queue.enqueue(job("b-queued", 2, "acme/b"));
    queue.enqueue(job("a-running-2", 1, "octo/a"), { resumed: true });
    queue.enqueue(job("c-queued", 3, "zed/c"));
    expect(queue.order().map((e) => e.id)).toEqual(["a-running-1", "a-running-2", "b-queued", "c-queued"]);
    expect(drain(queue)).toEqual(["a-running-1", "a-running-2"]);
    queue.finished("a-running-1");
    expect(drain(queue)).toEqual(["b-queued"]);
  });

  it("is bounded: beyond its capacity a job is refused, and a job is never queued twice", () => {
    const queue = new JobQueue(1, 3);
    for (const id of ["a", "b", "c"]) queue.enqueue(job(id));
    expect(() => queue.enqueue(job("d"))).toThrow(QueueFullError);
    expect(() => queue.enqueue(job("a"))).toThrow(/already queued/);
    expect(() => new JobQueue(0)).toThrow(/above 0/);
  });
});
