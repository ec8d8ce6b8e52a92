/**
 * The particle physics of the Multi-Agent Particle Environments (MPE), on typed arrays, for worlds
 * of discs that move (agents) and fixed points that do not collide (landmarks), as Simple Spread
 * uses them.
 *
 * Follows `mpe2/_mpe_utils/core.py` (MPE2 0.0.x, the same as PettingZoo ≥ 1.24's
 * `pettingzoo/mpe/_mpe_utils/core.py`) and, with `integration: "velocity-first"`, the older core of
 * PettingZoo ≤ 1.22.3:
 *
 * | Rule            | Value                                                                              |
 * | --------------- | ---------------------------------------------------------------------------------- |
 * | Time step       | dt = 0.1; mass 1; no speed cap; no motor noise                                     |
 * | Action force    | discrete move × sensitivity 5 (0 stay, 1 −x, 2 +x, 3 −y, 4 +y)                     |
 * | Contact force   | between every pair of agents: 100 · Δp/‖Δp‖ · softplus(−(‖Δp‖ − r_a − r_b)/k) · k, k = 1e-3 |
 * | Damping         | v ← v · (1 − 0.25) each step                                                       |
 * | position-first  | (v3) p ← p + v·dt, then v ← v·(1 − damping) + F·dt                                 |
 * | velocity-first  | (v2) v ← v·(1 − damping) + F·dt, then p ← p + v·dt                                 |
 *
 * Forces are summed pair by pair in the reference's order (a < b, a outer), so results agree with
 * it to the last bits of double precision given the same start.
 */

/** Seconds per physics step. */
export const MPE_DT = 0.1;
/** Fraction of velocity lost per step. */
export const MPE_DAMPING = 0.25;
/** Stiffness of the soft contact between discs. */
export const MPE_CONTACT_FORCE = 100;
/** Width of the softplus that smooths the contact (how soft the discs are). */
export const MPE_CONTACT_MARGIN = 1e-3;
/** Force of a unit discrete move (the reference's default `accel`). */
export const MPE_SENSITIVITY = 5;
/** Discrete moves: stay, −x, +x, −y, +y. */
export const MPE_MOVES = 5;

/** Which integration order the world uses: MPE2/PettingZoo ≥ 1.24 or the legacy one. */
export type MpeIntegration = "position-first" | "velocity-first";

/** softplus(x) = log(1 + eˣ), i.e. numpy's logaddexp(0, x), without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** A world of `agents` movable, colliding discs of one radius; positions and velocities as (x, y) pairs. */
export class ParticleWorld {
  /** Agent positions, x at 2i and y at 2i+1. */
  readonly position: Float64Array;
  /** Agent velocities, laid out like {@link position}. */
  readonly velocity: Float64Array;
  private readonly force: Float64Array;

  constructor(
    readonly agents: number,
    readonly radius: number,
    readonly integration: MpeIntegration,
  ) {
    this.position = new Float64Array(2 * agents);
    this.velocity = new Float64Array(2 * agents);
    this.force = new Float64Array(2 * agents);
  }

  /** Advances one step; `moves[i]` in [0, {@link MPE_MOVES}) is agent i's discrete move (checked by the caller). */
  step(moves: Int32Array): void {
    const { position: p, velocity: v, force: f, agents: n } = this;
    for (let i = 0; i < n; i++) {
      const move = moves[i];
      f[2 * i] = move === 1 ? -MPE_SENSITIVITY : move === 2 ? MPE_SENSITIVITY : 0;
      f[2 * i + 1] = move === 3 ? -MPE_SENSITIVITY : move === 4 ? MPE_SENSITIVITY : 0;
    }
    const minDistance = 2 * this.radius;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const dx = p[2 * a] - p[2 * b];
        const dy = p[2 * a + 1] - p[2 * b + 1];
        const distance = Math.sqrt(dx * dx + dy * dy);
        const penetration =
          softplus(-(distance - minDistance) / MPE_CONTACT_MARGIN) * MPE_CONTACT_MARGIN;
        const fx = ((MPE_CONTACT_FORCE * dx) / distance) * penetration;
        const fy = ((MPE_CONTACT_FORCE * dy) / distance) * penetration;
        f[2 * a] += fx;
        f[2 * a + 1] += fy;
        f[2 * b] += -fx;
        f[2 * b + 1] += -fy;
      }
    }
    const keep = 1 - MPE_DAMPING;
    if (this.integration === "position-first") {
      for (let k = 0; k < 2 * n; k++) {
        p[k] += v[k] * MPE_DT;
        v[k] = v[k] * keep + f[k] * MPE_DT;
      }
    } else {
      for (let k = 0; k < 2 * n; k++) {
        v[k] = v[k] * keep + f[k] * MPE_DT;
        p[k] += v[k] * MPE_DT;
      }
    }
  }
}
