// The scripted one-task job of the load benchmark and the burst-restart test: the planner plans
// fibonacci.py, the workers answer it with a passing module, the summary says so. Read by
// `MODEL_PATH=script:<file>` in `dellm serve` and `dellm-worker` processes.

/** The script's rules; `decomposeDelayMs`: how long the planner "thinks" (jobs are then mid-flight for a while). */
export function fibonacciJobScript(decomposeDelayMs = 0) {
  return {
    rules: [
      {
        kind: "decompose",
        ...(decomposeDelayMs ? { delay_ms: decomposeDelayMs } : {}),
        reply: JSON.stringify([
          {
            id: 1,
            description: "A fibonacci(n) function returning the n-th Fibonacci number",
            file: "fibonacci.py",
            dependencies: [],
            input_output_spec: "Input: n (int >= 0); Output: int",
            directory: "",
            context: "",
          },
        ]),
      },
      { kind: "can-solve", reply: "yes" },
      {
        kind: ["code", "repair"],
        file: "fibonacci.py",
        reply:
          "```python\ndef fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n\ndef test_fibonacci():\n    assert [fibonacci(i) for i in range(6)] == [0, 1, 1, 2, 3, 5]\n```",
      },
      { kind: "summary", reply: "Added fibonacci(n) in fibonacci.py with its test." },
    ],
  };
}
