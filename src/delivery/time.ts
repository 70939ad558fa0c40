/** Time as the delivery engine sees it: a clock and one-shot timers, the runtime's or a simulator's. */
export interface Clock {
  now(): number;
}

/** One-shot timers (the store's held-write flush). */
export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export const runtimeClock: Clock = { now: () => Date.now() };

export const runtimeTimers: Timers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
