import { describe, expect, it } from "vitest";
import type { Planner } from "./planner.js";
import { summarizeJob } from "./summarize.js";

describe("summarizeJob", () => {
  it("keeps the model's lines but escapes what would drive the terminal", async () => {
    const planner = { summarize: async () => "Added a.py.\n\x1b[32mAll tests passed\x1b[0m\rX" } as unknown as Planner;
    expect(await summarizeJob(planner, "q", [])).toEqual({
      text: "Added a.py.\n\\x1b[32mAll tests passed\\x1b[0m\\rX",
    });
  });

  it("turns a failing planner into a reason", async () => {
    const planner = { summarize: async () => Promise.reject(new Error("rate limited")) } as unknown as Planner;
    expect(await summarizeJob(planner, "q", [])).toEqual({ text: "", failure: "rate limited" });
  });
});
