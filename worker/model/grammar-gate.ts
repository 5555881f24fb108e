// Which tokens a grammar lets the model choose next, for checking an answer generated under a JSON
// schema (Queries 5.2 and 5.3): greedy decoding under a grammar takes the top token among those the
// grammar allows, so a check must know which the grammar refused. node-llama-cpp applies grammars
// inside its sampler and exports only the evaluation state; asking the state about one token goes
// through the same internal calls node-llama-cpp's own token predictors make (LlamaSampler's
// _canBeNextTokenForGrammarEvaluationState), guarded so that a release without them fails clearly.
import {
  LlamaGrammarEvaluationState,
  type Llama,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";

/** One pass of a grammar over an answer: ask before each token, then accept it. */
export interface GrammarGate {
  /** Whether the grammar allows `token` next (an end token: whether the answer may end here). */
  allows(token: Token): boolean;
  /** The answer goes on with `token`. */
  accept(token: Token): void;
}

interface GrammarCalls {
  canBeNextTokenForGrammarEvaluationState(state: unknown, token: Token): boolean;
  acceptGrammarEvaluationStateToken(state: unknown, token: Token): void;
}

/** Thrown when this node-llama-cpp has no way to ask a grammar about a token. */
export class GrammarGateUnavailable extends Error {}

export function grammarGate(llama: Llama, model: LlamaModel, grammar: LlamaGrammar): GrammarGate {
  const calls = (llama as unknown as { _bindings?: { AddonSampler?: Partial<GrammarCalls> } })._bindings?.AddonSampler;
  const state = new LlamaGrammarEvaluationState({ model, grammar });
  const native = (state as unknown as { _state?: unknown })._state;
  if (
    typeof calls?.canBeNextTokenForGrammarEvaluationState !== "function" ||
    typeof calls.acceptGrammarEvaluationStateToken !== "function" ||
    native === undefined
  )
    throw new GrammarGateUnavailable(
      "this node-llama-cpp cannot check answers generated under a grammar (its grammar calls changed)",
    );
  const { canBeNextTokenForGrammarEvaluationState: canBeNext, acceptGrammarEvaluationStateToken: accept } =
    calls as GrammarCalls;
  return {
    allows: (token) => canBeNext.call(calls, native, token),
    accept: (token) => accept.call(calls, native, token),
  };
}
