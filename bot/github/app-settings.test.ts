// .github/dellm.yml: defaults, checked fields with messages that name the fix, and the path rules.
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, parseSettings, pinnedModel, refusedBySettings, SettingsError } from "./app-settings.js";

describe("repository settings", () => {
  it("has documented defaults when the file is missing or empty", () => {
    expect(parseSettings(null)).toEqual({
      label: "dellm",
      max_tasks: 8,
      task_timeout_seconds: 120,
      replicas: 1,
      paths: [""],
      allow_github_dir: false,
      test_timeout_seconds: 300,
      integration_repairs: 1,
      snapshot_limit_mb: 20,
      share_code_with_planner: false,
      setup: [],
      setup_network: false,
    });
    expect(parseSettings({})).toEqual(DEFAULT_SETTINGS);
  });

  it("refuses bad values and unknown keys with the field named", () => {
    const error = (() => {
      try {
        parseSettings({ max_tasks: 0, task_timeout_seconds: "soon", lables: "x" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect(error!.message).toMatch(/max_tasks must be at least 1/);
    expect(error!.message).toMatch(/task_timeout_seconds/);
    expect(error!.message).toMatch(/lables/);
  });

  it("accepts a pytest test_command that selects tests, and refuses a shell command or other options with the fix", () => {
    expect(parseSettings({ test_command: "python -m pytest -q tests/unit -k 'not slow'" }).test_command).toBe(
      "python -m pytest -q tests/unit -k 'not slow'",
    );
    expect(() => parseSettings({ test_command: "make test" })).toThrow(
      /must start with "pytest" or "python -m pytest"/,
    );
    expect(() => parseSettings({ test_command: "pytest --import-mode=append" })).toThrow(
      /option --import-mode=append is not supported; dellm accepts test paths, -k and -m/,
    );
    expect(() => parseSettings({ test_command: "pytest ../outside" })).toThrow(/not a path inside the repository/);
  });

  it("takes a model pin as <sha256>:<context size>, as grants name it, and explains a wrong one", () => {
    const sha = "ab".repeat(32);
    expect(pinnedModel(parseSettings({}))).toBeUndefined();
    expect(pinnedModel(parseSettings({ model: `${sha}:8192` }))).toMatchObject({ sha256: sha, context_size: 8192 });
    expect(() => parseSettings({ model: "qwen2.5-coder-1.5b.gguf" })).toThrow(
      /model must be <sha256 of the GGUF file>:<context size>.*dellm-worker doctor prints/,
    );
  });

  it("allows writing only under the configured paths, and .github/ only when allowed", () => {
    const settings = parseSettings({ paths: ["src/", "setup.py"] });
    expect(refusedBySettings(settings, "src/app/main.py")).toBeNull();
    expect(refusedBySettings(settings, "setup.py")).toBeNull();
    expect(refusedBySettings(settings, "srcx/main.py")).toMatch(/outside the paths .* \(src\/, setup\.py\)/);
    expect(refusedBySettings(DEFAULT_SETTINGS, "anything/at/all.py")).toBeNull();
    expect(refusedBySettings(DEFAULT_SETTINGS, ".github/workflows/ci.py")).toMatch(/allow_github_dir: true/);
    expect(refusedBySettings(parseSettings({ allow_github_dir: true }), ".github/workflows/ci.py")).toBeNull();
  });

  it("takes setup as a bounded list of shell commands, with setup_network off by default", () => {
    expect(DEFAULT_SETTINGS.setup).toEqual([]);
    expect(DEFAULT_SETTINGS.setup_network).toBe(false);
    const settings = parseSettings({ setup: ["  pip install -r requirements.txt "], setup_network: true });
    expect(settings.setup).toEqual(["pip install -r requirements.txt"]);
    expect(settings.setup_network).toBe(true);
    expect(() => parseSettings({ setup: "pip install -r requirements.txt" })).toThrow(
      /setup must be a list of shell commands/,
    );
    expect(() => parseSettings({ setup: [""] })).toThrow(/a setup command must not be empty/);
    expect(() => parseSettings({ setup: [3] })).toThrow(/each setup entry must be a shell command/);
    expect(() => parseSettings({ setup: ["x".repeat(2_001)] })).toThrow(/at most 2000 characters/);
    expect(() => parseSettings({ setup: Array.from({ length: 21 }, () => "true") })).toThrow(/at most 20 commands/);
    expect(() => parseSettings({ setup: ["true"], setup_network: "yes" })).toThrow(
      /setup_network must be true or false/,
    );
    expect(() => parseSettings({ setup_network: true })).toThrow(/setup_network: true needs setup commands/);
  });
});
