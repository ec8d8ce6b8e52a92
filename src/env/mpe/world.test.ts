import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../core/prng.js";
import { type MpeIntegration, ParticleWorld } from "./world.js";

interface Disc {
  pos: [number, number];
  vel: [number, number];
}

/** The reference's world step written plainly, one disc object at a time (core.py, line by line). */
function obviousStep(
  discs: Disc[],
  moves: number[],
  radius: number,
  integration: MpeIntegration,
): void {
  const forces: [number, number][] = moves.map((m) => [
    5 * (m === 1 ? -1 : m === 2 ? 1 : 0),
    5 * (m === 3 ? -1 : m === 4 ? 1 : 0),
  ]);
  for (let a = 0; a < discs.length; a++) {
    for (let b = a + 1; b < discs.length; b++) {
      const delta = [discs[a].pos[0] - discs[b].pos[0], discs[a].pos[1] - discs[b].pos[1]];
      const dist = Math.sqrt(delta[0] ** 2 + delta[1] ** 2);
      const x = -(dist - 2 * radius) / 1e-3;
      const logaddexp = Math.max(0, x) + Math.log1p(Math.exp(-Math.abs(x)));
      const penetration = logaddexp * 1e-3;
      for (const k of [0, 1]) {
        const force = ((100 * delta[k]) / dist) * penetration;
        forces[a][k] = force + forces[a][k];
        forces[b][k] = -force + forces[b][k];
      }
    }
  }
  discs.forEach((disc, i) => {
    for (const k of [0, 1]) {
      if (integration === "position-first") {
        disc.pos[k] += disc.vel[k] * 0.1;
        disc.vel[k] = disc.vel[k] * 0.75 + (forces[i][k] / 1) * 0.1;
      } else {
        disc.vel[k] = disc.vel[k] * 0.75 + (forces[i][k] / 1) * 0.1;
        disc.pos[k] += disc.vel[k] * 0.1;
      }
    }
  });
}

describe("ParticleWorld", () => {
  for (const integration of ["position-first", "velocity-first"] as const) {
    test(`${integration} steps agree with a plain transcription of the reference over crowded random episodes`, () => {
      const rng = Rng.fromSeed(`world-${integration}`);
      for (let episode = 0; episode < 20; episode++) {
        const n = 2 + rng.int(5);
        const world = new ParticleWorld(n, 0.15, integration);
        // A small box so that discs touch often.
        const discs: Disc[] = Array.from({ length: n }, () => ({
          pos: [rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)],
          vel: [0, 0],
        }));
        for (const [i, d] of discs.entries()) world.position.set(d.pos, 2 * i);
        const moves = new Int32Array(n);
        for (let step = 0; step < 25; step++) {
          for (let i = 0; i < n; i++) moves[i] = rng.int(5);
          world.step(moves);
          obviousStep(discs, [...moves], 0.15, integration);
          discs.forEach((d, i) => {
            for (const k of [0, 1]) {
              const what = `episode ${episode} step ${step} agent ${i}`;
              assert.ok(
                Math.abs(world.position[2 * i + k] - d.pos[k]) <= 1e-12,
                `${what} position`,
              );
              assert.ok(
                Math.abs(world.velocity[2 * i + k] - d.vel[k]) <= 1e-12,
                `${what} velocity`,
              );
            }
          });
        }
      }
    });
  }
});
