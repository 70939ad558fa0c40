import { describe, expect, it } from "vitest";
import {
  CLOSED_BREAKER,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  canSend,
  cooldownAfter,
  recordFailure,
  recordSend,
  recordSuccess,
} from "../../src/delivery/circuit-breaker";

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function failTimes(count: number, breaker: CircuitBreaker = CLOSED_BREAKER, now = T0, options?: CircuitBreakerOptions): CircuitBreaker {
  let state = breaker;
  for (let index = 0; index < count; index++) state = recordFailure(state, now, options);
  return state;
}

/** Opens a breaker with the default options, then runs its probe cycle `failedProbes` times; returns the state and clock. */
function openedWithFailedProbes(failedProbes: number): { breaker: CircuitBreaker; now: number } {
  let breaker = failTimes(10);
  let now = T0;
  for (let probe = 0; probe < failedProbes; probe++) {
    now = breaker.openUntil ?? now;
    breaker = recordFailure(recordSend(breaker, now), now);
  }
  return { breaker, now };
}

describe("circuit breaker", () => {
  it("defaults: opens after 10 consecutive failures, cools down 60 s, at most 1 h", () => {
    expect(DEFAULT_CIRCUIT_BREAKER_OPTIONS).toEqual({ failureThreshold: 10, cooldownMs: MINUTE, maxCooldownMs: 60 * MINUTE });
  });

  it.each([0, 1, 5, 9])("stays closed and sending after %i consecutive failures", (failures) => {
    const breaker = failTimes(failures);
    expect(breaker).toEqual({ ...CLOSED_BREAKER, consecutiveFailures: failures });
    expect(canSend(breaker, T0)).toBe(true);
  });

  it("opens on the 10th consecutive failure for the cool-down", () => {
    const breaker = failTimes(10);
    expect(breaker).toEqual({ state: "open", consecutiveFailures: 10, openedAt: T0, openUntil: T0 + MINUTE });
  });

  it.each([
    [0, false],
    [MINUTE - 1, false],
    [MINUTE, true],
    [10 * MINUTE, true],
  ])("an open breaker %i ms after opening: canSend = %s", (elapsed, allowed) => {
    expect(canSend(failTimes(10), T0 + elapsed)).toBe(allowed);
  });

  it("counts only consecutive failures: a success in between starts the count again", () => {
    expect(failTimes(9).state).toBe("closed");
    expect(failTimes(1, failTimes(9)).state).toBe("open");
    const afterSuccess = failTimes(9, recordSuccess());
    expect(afterSuccess).toEqual({ ...CLOSED_BREAKER, consecutiveFailures: 9 });
  });

  it("a send after the cool-down is the one probe: half-open, every other send refused", () => {
    const open = failTimes(10);
    const probing = recordSend(open, T0 + MINUTE);
    expect(probing.state).toBe("half_open");
    expect(canSend(probing, T0 + MINUTE)).toBe(false);
    expect(canSend(probing, T0 + MINUTE + 30_000)).toBe(false);
  });

  it("the probe's success closes the breaker and clears the failure count", () => {
    const probing = recordSend(failTimes(10), T0 + MINUTE);
    expect(probing.consecutiveFailures).toBe(10);
    const closed = recordSuccess();
    expect(closed).toEqual({ state: "closed", consecutiveFailures: 0, openedAt: null, openUntil: null });
    expect(canSend(closed, T0 + MINUTE)).toBe(true);
    expect(failTimes(9, closed).state).toBe("closed");
  });

  it("the probe's failure re-opens the breaker for twice the cool-down", () => {
    const probeAt = T0 + MINUTE;
    const reopened = recordFailure(recordSend(failTimes(10), probeAt), probeAt);
    expect(reopened).toEqual({ state: "open", consecutiveFailures: 11, openedAt: probeAt, openUntil: probeAt + 2 * MINUTE });
    expect(canSend(reopened, probeAt + 2 * MINUTE - 1)).toBe(false);
    expect(canSend(reopened, probeAt + 2 * MINUTE)).toBe(true);
  });

  it.each([
    [0, 1],
    [1, 2],
    [2, 4],
    [3, 8],
    [4, 16],
    [5, 32],
    [6, 60],
    [7, 60],
    [20, 60],
  ])("after %i failed probes the cool-down is %i min (doubling, capped at 1 h)", (failedProbes, minutes) => {
    const { breaker, now } = openedWithFailedProbes(failedProbes);
    expect(breaker.state).toBe("open");
    expect(breaker.openUntil).toBe(now + minutes * MINUTE);
    expect(cooldownAfter(10 + failedProbes)).toBe(minutes * MINUTE);
  });

  it("a success after failed probes closes it and the next opening starts again at the base cool-down", () => {
    const { now } = openedWithFailedProbes(4);
    const reopened = failTimes(10, recordSuccess(), now);
    expect(reopened.openUntil).toBe(now + MINUTE);
  });

  it("an attempt that started before the breaker opened and fails late changes nothing", () => {
    const open = failTimes(10);
    expect(recordFailure(open, T0 + 30_000)).toBe(open);
  });

  it("an attempt that started before the breaker opened and succeeds late closes it", () => {
    expect(recordSuccess()).toEqual(CLOSED_BREAKER);
  });

  it("recordSend changes nothing while closed or still cooling down", () => {
    const closed = failTimes(3);
    expect(recordSend(closed, T0)).toBe(closed);
    const open = failTimes(10);
    expect(recordSend(open, T0 + MINUTE - 1)).toBe(open);
  });

  it("a probe whose outcome is never recorded (a crash) is presumed lost after another cool-down", () => {
    const probeAt = T0 + MINUTE;
    const probing = recordSend(failTimes(10), probeAt);
    expect(probing.openUntil).toBe(probeAt + MINUTE);
    expect(canSend(probing, probeAt + MINUTE - 1)).toBe(false);
    expect(canSend(probing, probeAt + MINUTE)).toBe(true);
    const second = recordSend(probing, probeAt + MINUTE);
    expect(second).toEqual({ ...probing, openUntil: probeAt + 2 * MINUTE });
    expect(canSend(second, probeAt + MINUTE)).toBe(false);
  });

  it("honours custom options", () => {
    const options: CircuitBreakerOptions = { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 3_000 };
    expect(failTimes(2, CLOSED_BREAKER, T0, options).state).toBe("closed");
    let breaker = failTimes(3, CLOSED_BREAKER, T0, options);
    expect(breaker.openUntil).toBe(T0 + 1_000);
    const cooldowns: number[] = [];
    for (let probe = 0; probe < 3; probe++) {
      const now = breaker.openUntil ?? 0;
      breaker = recordFailure(recordSend(breaker, now, options), now, options);
      cooldowns.push((breaker.openUntil ?? 0) - now);
    }
    expect(cooldowns).toEqual([2_000, 3_000, 3_000]);
  });

  it("a scripted run: closed → open → half-open → open → half-open → closed", () => {
    const options: CircuitBreakerOptions = { failureThreshold: 2, cooldownMs: 100, maxCooldownMs: 1_000 };
    type Step = [action: "fail" | "succeed" | "send", at: number, state: CircuitBreaker["state"], canSendAt: number, expected: boolean];
    const script: Step[] = [
      ["fail", 0, "closed", 0, true],
      ["fail", 10, "open", 109, false],
      ["send", 110, "half_open", 150, false],
      ["fail", 150, "open", 349, false],
      ["send", 350, "half_open", 351, false],
      ["succeed", 360, "closed", 360, true],
      ["fail", 400, "closed", 400, true],
    ];
    let breaker = CLOSED_BREAKER;
    for (const [action, at, state, canSendAt, expected] of script) {
      if (action === "fail") breaker = recordFailure(breaker, at, options);
      else if (action === "send") breaker = recordSend(breaker, at, options);
      else breaker = recordSuccess();
      expect({ action, at, state: breaker.state, canSend: canSend(breaker, canSendAt) }).toEqual({ action, at, state, canSend: expected });
    }
  });
});
