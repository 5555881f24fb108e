// The throttle behind the progress comment and the live check run: a burst of states becomes one
// write of the latest, writes are at least the interval apart, and a final operation replaces a waiting state.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Throttle } from "./throttle.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function recorder(intervalMs: number) {
  const written: { state: number; at: number }[] = [];
  const throttle = new Throttle<number>(intervalMs, async (state) => void written.push({ state, at: Date.now() }));
  return { throttle, written };
}

describe("Throttle", () => {
  it("writes the first state at once, then only the latest of a burst, at most every interval", async () => {
    const start = Date.now();
    const { throttle, written } = recorder(5_000);
    throttle.update(1);
    await vi.advanceTimersByTimeAsync(0);
    for (let state = 2; state <= 20; state++) {
      throttle.update(state);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(written).toEqual([{ state: 1, at: start }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(written).toEqual([
      { state: 1, at: start },
      { state: 20, at: start + 5_000 },
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(written).toHaveLength(2);
  });

  it("flushes the latest state now, and a replacing operation drops the state waiting", async () => {
    const { throttle, written } = recorder(5_000);
    throttle.update(1);
    await vi.advanceTimersByTimeAsync(0);
    throttle.update(2);
    await throttle.flush();
    expect(written.map((w) => w.state)).toEqual([1, 2]);

    throttle.update(3);
    const order: string[] = [];
    await throttle.replace(async () => void order.push("final"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(written.map((w) => w.state)).toEqual([1, 2]);
    expect(order).toEqual(["final"]);
  });

  it("keeps writing after a write that throws", async () => {
    const seen: number[] = [];
    const throttle = new Throttle<number>(0, async (state) => {
      seen.push(state);
      if (state === 1) throw new Error("GitHub is slow");
    });
    await throttle.flush(1);
    await throttle.flush(2);
    expect(seen).toEqual([1, 2]);
  });
});
