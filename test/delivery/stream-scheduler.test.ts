import { describe, expect, it } from "vitest";
import { CLOSED_BREAKER, type CircuitBreaker, type CircuitBreakerOptions, recordFailure, recordSend, recordSuccess } from "../../src/delivery/circuit-breaker";
import { type AttemptOutcome, decideAfterAttempt, resolveRetryPolicy } from "../../src/delivery/retry-policy";
import { DEFAULT_CONCURRENCY, type PendingDelivery, planSends, streamKey } from "../../src/delivery/stream-scheduler";
import { seededRandom as seeded } from "../seeded-random";

const NOW = 1_700_000_000_000;

/** A pending delivery: due now, idle, unblocked, unless the test says otherwise. */
function delivery(streamKey: string, seq: number, overrides: Partial<PendingDelivery> = {}): PendingDelivery {
  return { id: `${streamKey}#${seq}`, streamKey, seq, nextAttemptAt: NOW, inFlight: false, blocked: false, ...overrides };
}

const ids = (deliveries: readonly PendingDelivery[]) => deliveries.map((item) => item.id);

describe("streamKey", () => {
  it.each([
    ["subscription", "WBH000000000101", "User", "USR1", "WBH000000000101"],
    ["subscription", "WBH000000000101", "Ticket", "TKT9", "WBH000000000101"],
    ["record", "WBH000000000101", "User", "USR1", "WBH000000000101|User|USR1"],
    ["record", "WBH000000000101", "Ticket", "TKT9", "WBH000000000101|Ticket|TKT9"],
    ["record", "WBH1", "A|B", "C", "WBH1|A%7CB|C"],
    ["record", "WBH1", "A", "B|C", "WBH1|A|B%7CC"],
  ] as const)("ordering %s, subscription %s, %s %s → %s", (ordering, id, form, recordId, key) => {
    expect(streamKey({ id, ordering }, { form, recordId })).toBe(key);
  });

  it("never gives two different streams the same key", () => {
    const keys = [
      streamKey({ id: "S", ordering: "record" }, { form: "A|B", recordId: "C" }),
      streamKey({ id: "S", ordering: "record" }, { form: "A", recordId: "B|C" }),
      streamKey({ id: "S|A", ordering: "record" }, { form: "B", recordId: "C" }),
      streamKey({ id: "S|A|B", ordering: "subscription" }, { form: "X", recordId: "Y" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("planSends", () => {
  it("sends only the head (lowest seq) of each stream, whatever order the rows come in", () => {
    const pending = [delivery("a", 3), delivery("a", 1), delivery("b", 7), delivery("a", 2), delivery("b", 5)];
    expect(ids(planSends(pending, { now: NOW }).send)).toEqual(["a#1", "b#5"]);
  });

  it("never sends a later event while an earlier one is waiting for its retry, even if the later one is due", () => {
    const pending = [delivery("a", 1, { nextAttemptAt: NOW + 5_000 }), delivery("a", 2, { nextAttemptAt: NOW - 60_000 })];
    expect(planSends(pending, { now: NOW })).toEqual({ send: [], wakeAt: NOW + 5_000 });
  });

  it.each<[string, Partial<PendingDelivery>, Partial<PendingDelivery>]>([
    ["its head is in flight", { inFlight: true }, {}],
    ["its head is blocked by a dead letter", { blocked: true }, {}],
    ["a later delivery is (wrongly) in flight", {}, { inFlight: true }],
    ["a later delivery is blocked", {}, { blocked: true }],
  ])("skips a stream when %s", (_, head, next) => {
    const pending = [delivery("a", 1, head), delivery("a", 2, next), delivery("b", 1)];
    expect(ids(planSends(pending, { now: NOW }).send)).toEqual(["b#1"]);
  });

  it.each<[string, number, boolean]>([
    ["due in the past", NOW - 1, true],
    ["due exactly now", NOW, true],
    ["due 1 ms from now", NOW + 1, false],
  ])("a head %s is sent: %s", (_, nextAttemptAt, sent) => {
    expect(planSends([delivery("a", 1, { nextAttemptAt })], { now: NOW }).send.length).toBe(sent ? 1 : 0);
  });

  it("sends the longest-due heads first, then by seq", () => {
    const pending = [
      delivery("late", 1, { nextAttemptAt: NOW - 10 }),
      delivery("oldest", 9, { nextAttemptAt: NOW - 1_000 }),
      delivery("tie-high", 8, { nextAttemptAt: NOW - 100 }),
      delivery("tie-low", 4, { nextAttemptAt: NOW - 100 }),
    ];
    expect(ids(planSends(pending, { now: NOW }).send)).toEqual(["oldest#9", "tie-low#4", "tie-high#8", "late#1"]);
  });

  it.each([
    // streams due, already in flight, concurrency, sent
    [20, 0, undefined, DEFAULT_CONCURRENCY],
    [20, 3, undefined, 13],
    [20, 16, undefined, 0],
    [20, 18, undefined, 0],
    [5, 0, undefined, 5],
    [5, 0, 2, 2],
    [5, 1, 1, 0],
  ])("with %i due streams and %i in flight, concurrency %s sends %i", (streams, inFlight, concurrency, expected) => {
    const due = Array.from({ length: streams }, (_, index) => delivery(`due${index}`, 1, { nextAttemptAt: NOW - 1_000 + index }));
    const busy = Array.from({ length: inFlight }, (_, index) => delivery(`busy${index}`, 1, { inFlight: true }));
    const { send } = planSends([...busy, ...due], { now: NOW, concurrency });
    expect(ids(send)).toEqual(ids(due.slice(0, expected)));
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses concurrency %d", (concurrency) => {
    expect(() => planSends([], { now: NOW, concurrency })).toThrow(RangeError);
  });

  describe("the wake-up time", () => {
    it("is the earliest head that is not due yet", () => {
      const pending = [
        delivery("a", 1, { nextAttemptAt: NOW + 300_000 }),
        delivery("b", 1, { nextAttemptAt: NOW + 5_000 }),
        delivery("b", 2, { nextAttemptAt: NOW + 1_000 }),
        delivery("c", 1),
      ];
      expect(planSends(pending, { now: NOW })).toEqual({ send: [pending[3]], wakeAt: NOW + 5_000 });
    });

    it("is null when nothing waits on the clock", () => {
      expect(planSends([], { now: NOW }).wakeAt).toBeNull();
      const waiting = [delivery("a", 1, { inFlight: true, nextAttemptAt: NOW + 10 }), delivery("b", 1, { blocked: true, nextAttemptAt: NOW + 10 })];
      expect(planSends(waiting, { now: NOW })).toEqual({ send: [], wakeAt: null });
    });

    it("ignores due heads that found no free slot: the attempt in flight wakes them when it finishes", () => {
      const pending = [delivery("busy", 1, { inFlight: true }), delivery("a", 1), delivery("b", 1, { nextAttemptAt: NOW + 9_000 })];
      expect(planSends(pending, { now: NOW, concurrency: 1 })).toEqual({ send: [], wakeAt: NOW + 9_000 });
    });
  });

  describe("with circuit breakers", () => {
    const url = "https://receiver.example/hook";
    const other = "https://other.example/hook";
    const options: CircuitBreakerOptions = { failureThreshold: 1, cooldownMs: 60_000, maxCooldownMs: 600_000 };
    const open: CircuitBreaker = recordFailure(CLOSED_BREAKER, NOW - 10_000, options);
    const cooledDown: CircuitBreaker = recordFailure(CLOSED_BREAKER, NOW - 60_000, options);
    /** Opened 61 s ago; its probe went out 1 s ago, once the 60 s cool-down was over. */
    const probing: CircuitBreaker = recordSend(recordFailure(CLOSED_BREAKER, NOW - 61_000, options), NOW - 1_000, options);

    it("holds back every head bound for an open URL and wakes when its cool-down ends", () => {
      const pending = [delivery("a", 1, { callbackUrl: url }), delivery("b", 1, { callbackUrl: url }), delivery("c", 1, { callbackUrl: other })];
      const plan = planSends(pending, { now: NOW, breakers: new Map([[url, open]]) });
      expect(plan).toEqual({ send: [pending[2]], wakeAt: open.openUntil });
    });

    it("wakes at the later of the cool-down's end and the head's own retry time", () => {
      const pending = [delivery("a", 1, { callbackUrl: url, nextAttemptAt: NOW + 120_000 })];
      expect(planSends(pending, { now: NOW, breakers: new Map([[url, open]]) }).wakeAt).toBe(NOW + 120_000);
    });

    it("after the cool-down lets exactly one head through to the URL: the probe", () => {
      const pending = [
        delivery("a", 1, { callbackUrl: url, nextAttemptAt: NOW - 500 }),
        delivery("b", 1, { callbackUrl: url, nextAttemptAt: NOW - 900 }),
        delivery("c", 1, { callbackUrl: other, nextAttemptAt: NOW - 100 }),
        delivery("d", 1, { callbackUrl: other, nextAttemptAt: NOW - 50 }),
      ];
      const plan = planSends(pending, { now: NOW, breakers: new Map([[url, cooledDown]]) });
      expect(ids(plan.send)).toEqual(["b#1", "c#1", "d#1"]);
      expect(plan.wakeAt).toBeNull();
    });

    it("sends nothing more to a half-open URL while its probe is out, but wakes to replace a lost probe", () => {
      const pending = [delivery("a", 1, { callbackUrl: url, inFlight: true }), delivery("b", 1, { callbackUrl: url })];
      expect(probing).toMatchObject({ state: "half_open", openUntil: NOW + 59_000 });
      expect(planSends(pending, { now: NOW, breakers: new Map([[url, probing]]) })).toEqual({ send: [], wakeAt: NOW + 59_000 });
    });

    it("a closed breaker or a URL without one holds nothing back", () => {
      const pending = [delivery("a", 1, { callbackUrl: url }), delivery("b", 1, { callbackUrl: url }), delivery("c", 1, { callbackUrl: other })];
      const plan = planSends(pending, { now: NOW, breakers: new Map([[url, CLOSED_BREAKER]]) });
      expect(ids(plan.send)).toEqual(["a#1", "b#1", "c#1"]);
    });
  });
});


interface SimulatedDelivery extends PendingDelivery {
  attempt: number;
  deadLetterPolicy: "skip" | "block";
}

/**
 * Drives the scheduler the way the TenantDelivery object does, against a flaky receiver: events fan out to a
 * subscription-ordered and a record-ordered subscription, attempts finish after random latencies, fail at
 * random (5xx, timeouts whose request did arrive), retry on a compressed schedule, dead-letter (skip or
 * block), and trip circuit breakers. Returns what each stream's receiver saw and how each delivery ended.
 */
function simulate(seed: number) {
  const random = seeded(seed);
  const policy = resolveRetryPolicy({ retryDelaysMs: [10, 20, 40], maxAttempts: 4 });
  const breakerOptions: CircuitBreakerOptions = { failureThreshold: 3, cooldownMs: 30, maxCooldownMs: 200 };
  const concurrency = 4;
  const subscriptions = [
    { id: "WBH1", ordering: "subscription" as const, url: "https://one.example/hook", deadLetterPolicy: "skip" as const },
    { id: "WBH2", ordering: "record" as const, url: "https://two.example/hook", deadLetterPolicy: "skip" as const },
    { id: "WBH3", ordering: "record" as const, url: "https://two.example/hook", deadLetterPolicy: "block" as const },
  ];
  const pending: SimulatedDelivery[] = [];
  for (let seq = 1; seq <= 60; seq++) {
    const event = { form: random() < 0.5 ? "User" : "Ticket", recordId: `R${Math.floor(random() * 4)}` };
    for (const subscription of subscriptions) {
      pending.push({
        id: `msg_${seq}_${subscription.id}`,
        streamKey: streamKey(subscription, event),
        seq,
        nextAttemptAt: seq,
        inFlight: false,
        blocked: false,
        callbackUrl: subscription.url,
        attempt: 0,
        deadLetterPolicy: subscription.deadLetterPolicy,
      });
    }
  }
  const all = [...pending];
  const breakers = new Map<string, CircuitBreaker>();
  const received = new Map<string, number[]>();
  const ended = new Map<string, "delivered" | "dead_letter" | "blocked">();
  const inFlight: { delivery: SimulatedDelivery; finishesAt: number }[] = [];
  const violations: string[] = [];
  let now = 0;

  for (let step = 0; step < 100_000; step++) {
    const plan = planSends(pending, { now, concurrency, breakers });
    for (const delivery of plan.send) {
      const earlier = pending.find((other) => other.streamKey === delivery.streamKey && other.seq < delivery.seq);
      if (earlier) violations.push(`${delivery.id} sent before ${earlier.id} finished`);
      delivery.inFlight = true;
      delivery.attempt++;
      const url = delivery.callbackUrl ?? "";
      breakers.set(url, recordSend(breakers.get(url) ?? CLOSED_BREAKER, now, breakerOptions));
      inFlight.push({ delivery, finishesAt: now + 1 + Math.floor(random() * 15) });
    }
    if (inFlight.length > concurrency) violations.push(`${inFlight.length} in flight at ${now}`);

    const next = Math.min(plan.wakeAt ?? Infinity, ...inFlight.map((item) => item.finishesAt));
    if (next === Infinity) break;
    now = Math.max(now, next);

    for (const item of inFlight.filter((candidate) => candidate.finishesAt <= now)) {
      inFlight.splice(inFlight.indexOf(item), 1);
      const { delivery } = item;
      const roll = random();
      const outcome: AttemptOutcome = roll < 0.55 ? { kind: "response", status: 200 } : roll < 0.85 ? { kind: "response", status: 503 } : { kind: "timeout" };
      // A timeout's outcome is unknown: the receiver may have processed the request, so count it as arrived.
      const arrived = outcome.kind === "timeout" || outcome.status === 200;
      if (arrived) received.set(delivery.streamKey, [...(received.get(delivery.streamKey) ?? []), delivery.seq]);
      const url = delivery.callbackUrl ?? "";
      const breaker = breakers.get(url) ?? CLOSED_BREAKER;
      breakers.set(url, outcome.kind === "response" && outcome.status === 200 ? recordSuccess() : recordFailure(breaker, now, breakerOptions));

      delivery.inFlight = false;
      const decision = decideAfterAttempt({ attempt: delivery.attempt, outcome, policy, now, random });
      if (decision.kind === "retry") delivery.nextAttemptAt = decision.at;
      else if (decision.kind === "dead_letter" && delivery.deadLetterPolicy === "block") {
        delivery.blocked = true;
        ended.set(delivery.id, "blocked");
      } else {
        pending.splice(pending.indexOf(delivery), 1);
        ended.set(delivery.id, decision.kind === "delivered" ? "delivered" : "dead_letter");
      }
    }
  }
  return { all, received, ended, violations, pending };
}

describe("ordering under random failures (seeded)", () => {
  it.each([1, 2, 3, 7, 42, 1234])("seed %i: every stream's receiver sees seq in commit order, no gaps but dead letters", (seed) => {
    const { all, received, ended, violations, pending } = simulate(seed);
    expect(violations).toEqual([]);

    const streams = new Map<string, SimulatedDelivery[]>();
    for (const delivery of all) streams.set(delivery.streamKey, [...(streams.get(delivery.streamKey) ?? []), delivery]);
    expect([...streams.keys()].some((key) => key.includes("|"))).toBe(true);
    expect(streams.has("WBH1")).toBe(true);

    for (const [key, deliveries] of streams) {
      const seen = received.get(key) ?? [];
      // Never backwards; a repeat only of the last one seen (a retry after a timeout that did arrive).
      seen.forEach((seq, index) => expect(seq, `${key}: ${seen.join(",")}`).toBeGreaterThanOrEqual(seen[index - 1] ?? 0));
      const distinct = [...new Set(seen)];
      const blockedAt = deliveries.find((delivery) => ended.get(delivery.id) === "blocked")?.seq ?? Infinity;
      // Everything before a blocking dead letter finished; nothing after it was attempted.
      const settled = deliveries.filter((delivery) => delivery.seq < blockedAt);
      expect(settled.every((delivery) => ended.get(delivery.id) === "delivered" || ended.get(delivery.id) === "dead_letter")).toBe(true);
      expect(deliveries.filter((delivery) => delivery.seq > blockedAt).every((delivery) => delivery.attempt === 0)).toBe(true);
      // The receiver got every delivered event; the only gaps are dead letters (which may have arrived on a timeout).
      const delivered = settled.filter((delivery) => ended.get(delivery.id) === "delivered").map((delivery) => delivery.seq);
      expect(distinct.filter((seq) => seq < blockedAt && !delivered.includes(seq)).every((seq) => settled.some((delivery) => delivery.seq === seq && ended.get(delivery.id) === "dead_letter"))).toBe(true);
      expect(delivered.every((seq) => distinct.includes(seq))).toBe(true);
    }
    // Whatever is still pending sits behind a blocking dead letter.
    expect(pending.every((delivery) => delivery.blocked || pending.some((other) => other.blocked && other.streamKey === delivery.streamKey))).toBe(true);
  });

  it("the random failures do exercise retries, dead letters, blocked streams and the breakers", () => {
    const outcomes = [1, 2, 3, 7, 42, 1234].map((seed) => simulate(seed));
    const endings = outcomes.flatMap(({ ended }) => [...ended.values()]);
    expect(endings).toContain("delivered");
    expect(endings).toContain("dead_letter");
    expect(endings).toContain("blocked");
    expect(outcomes.flatMap(({ all }) => all).some((delivery) => delivery.attempt > 1)).toBe(true);
  });
});
