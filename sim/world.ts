/**
 * The simulator's world: virtual time, one event queue that every fake resolves through, and seeded
 * pseudo-random streams. Run one event at a time and let every promise chain settle before the next, so one
 * seed gives one interleaving of the engine's awaits, whatever the machine.
 */

/** A seeded PRNG (mulberry32): the same seed, the same numbers. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

interface Scheduled {
  at: number;
  order: number;
  /** The object instance the event belongs to; a crashed instance's events never run. */
  owner: number | null;
  run: () => void;
}

/** Lets every promise continuation queued so far run (setImmediate fires only after the microtask queue is empty). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class World {
  now: number;
  private readonly queue: Scheduled[] = [];
  private order = 0;
  private readonly dead = new Set<number>();

  constructor(start: number) {
    this.now = start;
  }

  /** Runs `run` `delayMs` from now (never before now); `owner` ties it to an object instance that may crash. */
  at(delayMs: number, run: () => void, owner: number | null = null): void {
    const item: Scheduled = { at: this.now + Math.max(0, delayMs), order: this.order++, owner, run };
    // Binary insertion keeps the queue sorted by (at, order).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.queue[mid]!;
      if (other.at < item.at || (other.at === item.at && other.order < item.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** A promise resolved (or rejected) by the event queue `delayMs` from now. */
  later<T>(delayMs: number, value: () => T, owner: number | null = null): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.at(
        delayMs,
        () => {
          try {
            resolve(value());
          } catch (error) {
            reject(error);
          }
        },
        owner,
      ),
    );
  }

  /** A crashed instance: none of its queued events will run, so its pending awaits never resume. */
  kill(owner: number): void {
    this.dead.add(owner);
  }

  isDead(owner: number | null): boolean {
    return owner !== null && this.dead.has(owner);
  }

  /** Moves the clock forward; events now in the past run next, late. */
  jump(ms: number): void {
    this.now += ms;
  }

  get pending(): number {
    return this.queue.length;
  }

  nextAt(): number | null {
    return this.queue[0]?.at ?? null;
  }

  /** Runs the next event and everything it sets off; false when the queue is empty. */
  async step(): Promise<boolean> {
    const item = this.queue.shift();
    if (!item) return false;
    if (this.isDead(item.owner)) return true;
    this.now = Math.max(this.now, item.at);
    item.run();
    await settle();
    return true;
  }
}
