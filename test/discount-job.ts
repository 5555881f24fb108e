// A small repository whose own test a job breaks (issue 23's case): shop/models.py's total() and
// tests/test_models.py, which a "10% discount" edit makes fail while the file's own test passes.
// Used by `dellm run`'s repository-stage test and by the one-engine test that runs the same job
// through `dellm run` and the App.
import type { Task } from "../shared/schemas.js";

export const DISCOUNT_MODELS = `def total(prices):
    return sum(prices)


def test_total_of_nothing():
    assert total([]) == 0
`;

export const DISCOUNT_REPOSITORY_TEST = `from shop.models import total


def test_total():
    assert total([1, 2]) == 3
`;

/** The repository's files, as committed. */
export const DISCOUNT_REPOSITORY: Record<string, string> = {
  "shop/__init__.py": "",
  "shop/models.py": DISCOUNT_MODELS,
  "tests/test_models.py": DISCOUNT_REPOSITORY_TEST,
};

export const DISCOUNT_TASK: Task = {
  id: 1,
  description: "Make total() apply a 10% discount",
  file: "models.py",
  dependencies: [],
  input_output_spec: "",
  directory: "shop/",
  context: "",
};

/** Breaks tests/test_models.py (the file's own test still passes: 0 * 0.9 == 0). */
export const DISCOUNT_BREAKING = `<<<<<<< SEARCH
    return sum(prices)
=======
    return sum(prices) * 0.9
>>>>>>> REPLACE`;

/** Keeps tests/test_models.py passing. */
export const DISCOUNT_FIXED = `<<<<<<< SEARCH
    return sum(prices)
=======
    return sum(prices)  # the discount is applied at checkout
>>>>>>> REPLACE`;
