/**
 * A concurrency limiter: at most `limit` async jobs run at once, the rest wait in FIFO order.
 * Used by the HTTP client (requests in flight to one server) and the feature cache (disk I/O).
 */
import { ConfigError } from "../core/errors.js";

/** Runs async jobs with at most `limit` in flight. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError({
        input: "concurrency limit",
        problem: "not a positive integer",
        actual: String(limit),
        fix: "pass 1 or more (e.g. 4 requests in flight)",
      });
    }
  }

  /** Runs `job` when a slot is free; resolves or rejects with it. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump.
      const next = this.waiting.shift();
      if (next === undefined) this.active--;
      else next();
    }
  }
}

/** Maps `items` through `work` with at most `limit` calls in flight; results keep their order. */
export function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limiter = new ConcurrencyLimiter(limit);
  return Promise.all(items.map((item, index) => limiter.run(() => work(item, index))));
}
