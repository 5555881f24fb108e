import { describe, expect, it } from "vitest";
import { dependencyOrder, PlanGraphError } from "./task-graph.js";

describe("dependencyOrder", () => {
  it("puts every task after its dependencies, ties by id", () => {
    const order = dependencyOrder([
      { id: 4, dependencies: [3] },
      { id: 3, dependencies: [1, 2] },
      { id: 2, dependencies: [1] },
      { id: 1, dependencies: [] },
      { id: 5, dependencies: [] },
    ]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it("rejects cycles, self-dependencies and unknown ids", () => {
    expect(() =>
      dependencyOrder([
        { id: 1, dependencies: [2] },
        { id: 2, dependencies: [1] },
      ]),
    ).toThrow(/cycle/);
    expect(() => dependencyOrder([{ id: 1, dependencies: [1] }])).toThrow(/itself/);
    expect(() => dependencyOrder([{ id: 1, dependencies: [9] }])).toThrow(PlanGraphError);
  });
});
