/**
 * One mini-batch gradient step of the actor-critic: clipped (or plain) policy-gradient loss on both
 * heads, entropy bonus, value loss on the configured critic, Q regression when agent credit is on,
 * then Adam with gradient-norm clipping. Behaviour cloning's step (cross-entropy on the oracle's
 * choices) is {@link cloningStep}, the one place where the logic really differs.
 */
import type { PolicyBatch } from "../agents/batch.js";
import type { MemoryInput, PolicyNetwork, PolicyOutput } from "../agents/policy.js";
import { NumericError } from "../core/errors.js";
import type { Adam } from "../model/adam.js";
import type { Graph } from "../model/graph.js";
import { add, mean, scale } from "../model/ops/dense.js";
import { crossEntropyLoss, mseLoss, policyGradientLoss } from "../model/ops/losses.js";
import { gatherRows } from "../model/ops/rows.js";
import { segmentEntropy } from "../model/ops/softmax.js";
import type { Tensor } from "../model/tensor.js";
import type { LearnerConfig } from "./config.js";

/** Per-sample and per-team training targets of one mini-batch (indexed like the mini-batch). */
export interface MinibatchTargets {
  readonly oldActionLogProbs: Float32Array;
  readonly oldMessageLogProbs: Float32Array;
  readonly actionAdvantages: Float32Array;
  readonly messageAdvantages: Float32Array;
  readonly teamReturns: Float32Array;
  readonly sampleReturns: Float32Array;
}

/** What one step measured. */
export interface StepStats {
  readonly policyLoss: number;
  readonly messageLoss: number;
  readonly valueLoss: number;
  readonly qLoss: number;
  /** Mean entropy of the action head plus that of the message head. */
  readonly entropy: number;
  readonly actionEntropy: number;
  readonly gradNorm: number;
  /** log π_new of the taken actions, `[S]` (for approx-KL and clip fraction). */
  readonly newActionLogProbs: Float32Array;
}

/** The flat index of each sample's chosen candidate. */
export function chosenFlat(offsets: Int32Array, chosen: Int32Array): Int32Array {
  const out = new Int32Array(chosen.length);
  for (let s = 0; s < chosen.length; s++) out[s] = offsets[s] + chosen[s];
  return out;
}

/**
 * PPO's clipped surrogate as per-sample weights on log π: the gradient of min(rA, clip(r)A) is
 * r·A·∇log π where the unclipped term is the smaller one, else 0; with clip 0 the weight is A
 * (plain advantage actor-critic).
 */
function surrogateWeights(
  logProbs: Float32Array,
  flat: Int32Array,
  old: Float32Array,
  advantages: Float32Array,
  clip: number,
): { weights: Float32Array; objective: number } {
  const weights = new Float32Array(flat.length);
  let objective = 0;
  for (let s = 0; s < flat.length; s++) {
    const a = advantages[s];
    if (clip === 0) {
      weights[s] = a;
      objective += a * logProbs[flat[s]];
      continue;
    }
    const r = Math.exp(logProbs[flat[s]] - old[s]);
    const clipped = Math.min(Math.max(r, 1 - clip), 1 + clip);
    const unclippedIsMin = r * a <= clipped * a;
    weights[s] = unclippedIsMin ? r * a : 0;
    objective += Math.min(r * a, clipped * a);
  }
  return { weights, objective: flat.length === 0 ? 0 : objective / flat.length };
}

/**
 * Advantages against the critic being trained (`advantageBaseline: "current"`): each sample's
 * return target minus the value this step's forward pass gives it (its V(oⁱ), or its team's
 * V(s)), as EPyMARL's ppo_learner does each epoch (advantages = target_returns − critic(batch),
 * detached). Heads share it, as they share the rollout advantages without agent credit.
 */
function currentAdvantages(
  out: PolicyOutput,
  batch: PolicyBatch,
  targets: MinibatchTargets,
  config: LearnerConfig,
): Float32Array {
  const advantages = new Float32Array(batch.samples);
  if (config.critic === "state") {
    const values = out.stateValues.value;
    for (let s = 0; s < batch.samples; s++)
      advantages[s] = targets.sampleReturns[s] - values[batch.sampleTeam[s]];
  } else {
    const values = out.observationValues.value;
    for (let s = 0; s < batch.samples; s++) advantages[s] = targets.sampleReturns[s] - values[s];
  }
  return advantages;
}

/**
 * One actor-critic gradient step on `batch` (a recurrent policy's previous states in `memory`);
 * throws a NumericError naming the loss term that went NaN.
 */
export function actorCriticStep(
  g: Graph,
  policy: PolicyNetwork,
  adam: Adam,
  texts: Float32Array,
  batch: PolicyBatch,
  targets: MinibatchTargets,
  config: LearnerConfig,
  memory?: MemoryInput,
): StepStats {
  g.reset();
  const out = policy.forward(g, texts, batch, {
    withQ: config.agentCredit,
    ...(memory === undefined ? {} : { memory }),
  });
  const actionFlat = chosenFlat(batch.actionOffsets, batch.chosenAction);
  const messageFlat = chosenFlat(batch.messageOffsets, batch.chosenMessage);
  const current =
    config.advantageBaseline === "current" ? currentAdvantages(out, batch, targets, config) : null;
  const action = surrogateWeights(
    out.actionLogProbs.value,
    actionFlat,
    targets.oldActionLogProbs,
    current ?? targets.actionAdvantages,
    config.clipRatio,
  );
  const message = surrogateWeights(
    out.messageLogProbs.value,
    messageFlat,
    targets.oldMessageLogProbs,
    current ?? targets.messageAdvantages,
    config.clipRatio,
  );
  const policyLoss = policyGradientLoss(g, out.actionLogProbs, actionFlat, action.weights);
  const messageLoss = policyGradientLoss(g, out.messageLogProbs, messageFlat, message.weights);
  const actionEntropy = mean(g, segmentEntropy(g, out.actionLogProbs, batch.actionOffsets));
  const messageEntropy = mean(g, segmentEntropy(g, out.messageLogProbs, batch.messageOffsets));
  const entropy = add(g, actionEntropy, messageEntropy);
  const valueLoss =
    config.critic === "state"
      ? mseLoss(g, out.stateValues, targets.teamReturns)
      : mseLoss(g, out.observationValues, targets.sampleReturns);
  let critic = valueLoss;
  let qLoss: Tensor | null = null;
  if (out.actionQ !== null && out.messageQ !== null) {
    qLoss = add(
      g,
      mseLoss(g, gatherRows(g, out.actionQ, actionFlat), targets.sampleReturns),
      mseLoss(g, gatherRows(g, out.messageQ, messageFlat), targets.sampleReturns),
    );
    critic = add(g, critic, qLoss);
  }
  const total = add(
    g,
    add(g, add(g, policyLoss, messageLoss), scale(g, critic, config.valueCoef)),
    scale(g, entropy, -config.entropyCoef),
  );
  expectFiniteTerms({
    "loss/policy": policyLoss.value[0],
    "loss/message_policy": messageLoss.value[0],
    "loss/value": valueLoss.value[0],
    "loss/q": qLoss?.value[0] ?? 0,
    "loss/entropy": entropy.value[0],
  });
  g.backward(total);
  const { gradNorm } = adam.step();
  return {
    policyLoss: -action.objective,
    messageLoss: -message.objective,
    valueLoss: valueLoss.value[0],
    qLoss: qLoss?.value[0] ?? 0,
    entropy: entropy.value[0],
    actionEntropy: actionEntropy.value[0],
    gradNorm,
    newActionLogProbs: Float32Array.from(actionFlat, (i) => out.actionLogProbs.value[i]),
  };
}

/** One behaviour-cloning step: cross-entropy on the demonstrated actions and messages. */
export function cloningStep(
  g: Graph,
  policy: PolicyNetwork,
  adam: Adam,
  texts: Float32Array,
  batch: PolicyBatch,
  config: LearnerConfig,
): StepStats {
  g.reset();
  const out = policy.forward(g, texts, batch);
  const actionFlat = chosenFlat(batch.actionOffsets, batch.chosenAction);
  const messageFlat = chosenFlat(batch.messageOffsets, batch.chosenMessage);
  const policyLoss = crossEntropyLoss(g, out.actionLogProbs, actionFlat);
  const messageLoss = crossEntropyLoss(g, out.messageLogProbs, messageFlat);
  const actionEntropy = mean(g, segmentEntropy(g, out.actionLogProbs, batch.actionOffsets));
  const messageEntropy = mean(g, segmentEntropy(g, out.messageLogProbs, batch.messageOffsets));
  const entropy = add(g, actionEntropy, messageEntropy);
  expectFiniteTerms({
    "loss/policy": policyLoss.value[0],
    "loss/message_policy": messageLoss.value[0],
    "loss/entropy": entropy.value[0],
  });
  g.backward(add(g, add(g, policyLoss, messageLoss), scale(g, entropy, -config.entropyCoef)));
  const { gradNorm } = adam.step();
  return {
    policyLoss: policyLoss.value[0],
    messageLoss: messageLoss.value[0],
    valueLoss: 0,
    qLoss: 0,
    entropy: entropy.value[0],
    actionEntropy: actionEntropy.value[0],
    gradNorm,
    newActionLogProbs: Float32Array.from(actionFlat, (i) => out.actionLogProbs.value[i]),
  };
}

function expectFiniteTerms(terms: Record<string, number>): void {
  for (const [key, value] of Object.entries(terms)) {
    if (!Number.isFinite(value)) {
      throw new NumericError({
        input: key,
        problem: "is not finite",
        expected: "a finite loss term",
        actual: String(value),
        fix: "lower the learning rate or check rewards and inputs for NaN/Inf; the last good checkpoint is kept",
      });
    }
  }
}
