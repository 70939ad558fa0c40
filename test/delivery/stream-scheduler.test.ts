import { describe, expect, it } from "vitest";
import { CLOSED_BREAKER, type CircuitBreaker, type CircuitBreakerOptions, recordFailure, recordSend, recordSuccess } from "../../src/delivery/circuit-breaker";
import type { HeadRow } from "../../src/delivery/delivery-tables";
import { type AttemptOutcome, decideAfterAttempt, resolveRetryPolicy } from "../../src/delivery/retry-policy";
import { continuedStreamKey, headVerdict, orderingOfStreamKey, streamKey } from "../../src/delivery/stream-scheduler";
import { type HeadSource, StreamHeads } from "../../src/delivery/stream-heads";
import { SendThrottle } from "../../src/delivery/send-throttle";
import { seededRandom as seeded } from "../seeded-random";

const NOW = 1_700_000_000_000;

/** A pending delivery row: position = seq, due now, idle, unblocked, unless the test says otherwise. */
function delivery(stream: string, seq: number, overrides: Partial<HeadRow> = {}): HeadRow {
  return {
    position: seq,
    id: `${stream}#${seq}`,
    subscription_id: "WBH1",
    stream_key: stream,
    event_seq: seq,
    content_type: "application/json",
    url: null,
    status: "pending",
    blocking: 0,
    attempts: 0,
    next_attempt_at: NOW,
    last_status: null,
    last_error: null,
    replay_of: null,
    stream_order: null,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

const isOpen = (row: HeadRow): boolean => row.status === "pending" || row.status === "inflight" || row.blocking === 1;
const streamOrder = (a: HeadRow, b: HeadRow): number => (a.stream_order ?? a.position) - (b.stream_order ?? b.position) || a.position - b.position;

/** The delivery table as the store reads it (open rows, per stream in stream order), counting the reads. */
function memorySource(rows: HeadRow[]): HeadSource & { reads: { all: number; one: number } } {
  const open = (key: string) => rows.filter((row) => row.stream_key === key && isOpen(row)).sort(streamOrder);
  const reads = { all: 0, one: 0 };
  return {
    reads,
    streamHeads: () => {
      reads.all++;
      const keys = [...new Set(rows.filter(isOpen).map((row) => row.stream_key))].sort();
      return keys.map((key) => ({ ...open(key)[0]! }));
    },
    streamHead: (key) => {
      reads.one++;
      const head = open(key)[0];
      return head ? { ...head } : null;
    },
    streamAhead: (key, limit) => {
      reads.one++;
      return open(key).slice(0, limit).map((row) => ({ ...row }));
    },
  };
}

interface Round {
  now?: number;
  limit?: number;
  breakers?: ReadonlyMap<string, CircuitBreaker>;
  /** Subscriptions that hold their deliveries. */
  held?: ReadonlySet<string>;
  /** Rate limits by subscription, taken from this throttle. */
  throttle?: { limiter: SendThrottle; rates: ReadonlyMap<string, number> };
}

/** One planning round over the view, as the drain runs it. */
function plan(heads: StreamHeads, round: Round = {}): HeadRow[] {
  const now = round.now ?? NOW;
  return heads.plan({
    now,
    limit: round.limit ?? 16,
    factsOf: (head) => {
      const url = head.url ?? undefined;
      return { nextAttemptAt: head.next_attempt_at, held: round.held?.has(head.subscription_id) ?? false, url, breaker: url === undefined ? undefined : round.breakers?.get(url) };
    },
    throttle: (head) => round.throttle?.limiter.take(head.subscription_id, round.throttle.rates.get(head.subscription_id) ?? null, now) ?? null,
  });
}

/** A view read from these rows. */
function viewOf(rows: HeadRow[]): StreamHeads {
  const heads = new StreamHeads();
  heads.refresh(memorySource(rows));
  return heads;
}

const ids = (deliveries: readonly HeadRow[]) => deliveries.map((item) => item.id);

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

describe("continuedStreamKey", () => {
  const event = { form: "User", recordId: "USR1" };
  const asSubscription = streamKey({ id: "WBH1", ordering: "subscription" }, event);
  const asRecord = streamKey({ id: "WBH1", ordering: "record" }, event);

  it("tells the ordering a key was made under", () => {
    expect([orderingOfStreamKey(asSubscription), orderingOfStreamKey(asRecord)]).toEqual(["subscription", "record"]);
    expect(orderingOfStreamKey(streamKey({ id: "A|B", ordering: "subscription" }, event))).toBe("subscription");
  });

  it.each([
    ["nothing open: the current ordering", { streamKey: asRecord, otherOrderingKey: asSubscription }, null, asRecord],
    ["open work of the same kind: the current ordering", { streamKey: asRecord, otherOrderingKey: asSubscription }, "WBH1|Ticket|TKT9", asRecord],
    ["open work from before a change to record: the subscription's one stream", { streamKey: asRecord, otherOrderingKey: asSubscription }, asSubscription, asSubscription],
    ["open work from before a change to subscription: the record's own stream", { streamKey: asSubscription, otherOrderingKey: asRecord }, "WBH1|Ticket|TKT9", asRecord],
    ["a delivery with no other ordering (a lifecycle hook)", { streamKey: "lifecycle" }, "WBH1|User|USR1", "lifecycle"],
  ])("%s", (_, delivery, openKey, expected) => {
    expect(continuedStreamKey(delivery, openKey)).toBe(expected);
  });
});

describe("headVerdict", () => {
  const options: CircuitBreakerOptions = { failureThreshold: 1, cooldownMs: 60_000, maxCooldownMs: 600_000 };
  const open = recordFailure(CLOSED_BREAKER, NOW - 10_000, options);
  const cooledDown = recordFailure(CLOSED_BREAKER, NOW - 60_000, options);

  it.each([
    ["due, no breaker", { nextAttemptAt: NOW, held: false }, { kind: "send", probe: false }],
    ["due, closed breaker", { nextAttemptAt: NOW - 1, held: false, breaker: CLOSED_BREAKER }, { kind: "send", probe: false }],
    ["due 1 ms from now", { nextAttemptAt: NOW + 1, held: false }, { kind: "wait", until: NOW + 1 }],
    ["due, URL cooling down", { nextAttemptAt: NOW, held: false, breaker: open }, { kind: "wait", until: open.openUntil }],
    ["due later than the cool-down ends", { nextAttemptAt: NOW + 120_000, held: false, breaker: open }, { kind: "wait", until: NOW + 120_000 }],
    ["due, cool-down over", { nextAttemptAt: NOW, held: false, breaker: cooledDown }, { kind: "send", probe: true }],
    ["held by its subscription", { nextAttemptAt: NOW, held: true }, { kind: "held" }],
  ] as const)("%s", (_, facts, verdict) => {
    expect(headVerdict(facts, NOW)).toEqual(verdict);
  });
});

describe("StreamHeads.plan", () => {
  it("sends only the head (first in stream order) of each stream, whatever order the rows come in", () => {
    const heads = viewOf([delivery("a", 3), delivery("a", 1), delivery("b", 7), delivery("a", 2), delivery("b", 5)]);
    expect(ids(plan(heads))).toEqual(["a#1", "b#5"]);
  });

  it("never sends a later event while an earlier one is waiting for its retry, even if the later one is due", () => {
    const heads = viewOf([delivery("a", 1, { next_attempt_at: NOW + 5_000 }), delivery("a", 2, { next_attempt_at: NOW - 60_000 })]);
    expect(plan(heads)).toEqual([]);
    expect(heads.earliestReady()).toBe(NOW + 5_000);
  });

  it("a replay placed where a blocked head stood goes before the events behind it", () => {
    const heads = viewOf([delivery("a", 2), delivery("a", 3, { stream_order: 1 })]);
    expect(ids(plan(heads))).toEqual(["a#3"]);
  });

  it.each<[string, Partial<HeadRow>]>([
    ["its head is in flight", { status: "inflight" }],
    ["its head is a dead letter blocking it", { status: "dead", blocking: 1 }],
  ])("skips a stream when %s", (_, head) => {
    const heads = viewOf([delivery("a", 1, head), delivery("a", 2), delivery("b", 1)]);
    expect(ids(plan(heads))).toEqual(["b#1"]);
  });

  it.each<[string, number, boolean]>([
    ["due in the past", NOW - 1, true],
    ["due exactly now", NOW, true],
    ["due 1 ms from now", NOW + 1, false],
  ])("a head %s is sent: %s", (_, dueAt, sent) => {
    expect(plan(viewOf([delivery("a", 1, { next_attempt_at: dueAt })])).length).toBe(sent ? 1 : 0);
  });

  it("sends the longest-due heads first, then by stream position", () => {
    const heads = viewOf([
      delivery("late", 1, { next_attempt_at: NOW - 10 }),
      delivery("oldest", 9, { next_attempt_at: NOW - 1_000 }),
      delivery("tie-high", 8, { next_attempt_at: NOW - 100 }),
      delivery("tie-low", 4, { next_attempt_at: NOW - 100 }),
    ]);
    expect(ids(plan(heads))).toEqual(["oldest#9", "tie-low#4", "tie-high#8", "late#1"]);
  });

  it.each([
    [20, 16, 16],
    [20, 13, 13],
    [20, 0, 0],
    [5, 16, 5],
    [5, 2, 2],
  ])("with %i due streams and room for %i, takes %i, oldest first; the next round takes the rest", (streams, limit, expected) => {
    const due = Array.from({ length: streams }, (_, index) => delivery(`due${String(index).padStart(2, "0")}`, 1, { next_attempt_at: NOW - 1_000 + index }));
    const heads = viewOf(due);
    expect(ids(plan(heads, { limit }))).toEqual(ids(due.slice(0, expected)));
    expect(ids(plan(heads, { limit: 100 }))).toEqual(ids(due.slice(expected)));
  });

  describe("the wake-up time (earliestReady)", () => {
    it("is the earliest queued head's due time", () => {
      const heads = viewOf([
        delivery("a", 1, { next_attempt_at: NOW + 300_000 }),
        delivery("b", 1, { next_attempt_at: NOW + 5_000 }),
        delivery("b", 2, { next_attempt_at: NOW + 1_000 }),
        delivery("c", 1),
      ]);
      expect(ids(plan(heads))).toEqual(["c#1"]);
      expect(heads.earliestReady()).toBe(NOW + 5_000);
    });

    it("is null when nothing waits on the clock: heads in flight or blocking, or none", () => {
      expect(viewOf([]).earliestReady()).toBeNull();
      const heads = viewOf([delivery("a", 1, { status: "inflight", next_attempt_at: NOW + 10 }), delivery("b", 1, { status: "dead", blocking: 1, next_attempt_at: NOW + 10 })]);
      expect(plan(heads)).toEqual([]);
      expect(heads.earliestReady()).toBeNull();
    });
  });

  describe("a subscription that holds its deliveries", () => {
    it("sets its heads aside (no wake-up for them) until release() finds it no longer holds them", () => {
      const heads = viewOf([delivery("a", 1, { subscription_id: "OFF" }), delivery("b", 1, { subscription_id: "OFF", next_attempt_at: NOW + 50 }), delivery("c", 1)]);
      const held = new Set(["OFF"]);
      expect(ids(plan(heads, { held }))).toEqual(["c#1"]);
      expect(plan(heads, { held, now: NOW + 100 })).toEqual([]);
      expect(heads.earliestReady()).toBeNull();
      heads.release((id) => held.has(id));
      expect(heads.earliestReady()).toBeNull();
      heads.release(() => false);
      expect(ids(plan(heads, { now: NOW + 100 }))).toEqual(["a#1", "b#1"]);
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

    it("holds back every head bound for an open URL and queues them for the end of its cool-down", () => {
      const heads = viewOf([delivery("a", 1, { url }), delivery("b", 1, { url }), delivery("c", 1, { url: other })]);
      expect(ids(plan(heads, { breakers: new Map([[url, open]]) }))).toEqual(["c#1"]);
      expect(heads.earliestReady()).toBe(open.openUntil);
    });

    it("queues a head for the later of the cool-down's end and its own retry time", () => {
      const heads = viewOf([delivery("a", 1, { url, next_attempt_at: NOW + 120_000 })]);
      expect(plan(heads, { breakers: new Map([[url, open]]), now: NOW + 70_000 })).toEqual([]);
      expect(heads.earliestReady()).toBe(NOW + 120_000);
    });

    it("after the cool-down lets exactly one head through to the URL: the probe; the others go once the breaker allows", () => {
      const heads = viewOf([
        delivery("a", 1, { url, next_attempt_at: NOW - 500 }),
        delivery("b", 1, { url, next_attempt_at: NOW - 900 }),
        delivery("c", 1, { url: other, next_attempt_at: NOW - 100 }),
        delivery("d", 1, { url: other, next_attempt_at: NOW - 50 }),
      ]);
      expect(ids(plan(heads, { breakers: new Map([[url, cooledDown]]) }))).toEqual(["b#1", "c#1", "d#1"]);
      // The probe went: the breaker is half-open, and the other head waits for the probe to be presumed lost.
      const afterProbe = recordSend(cooledDown, NOW, options);
      expect(plan(heads, { breakers: new Map([[url, afterProbe]]) })).toEqual([]);
      expect(heads.earliestReady()).toBe(afterProbe.openUntil);
    });

    it("sends nothing more to a half-open URL while its probe is out, but wakes to replace a lost probe", () => {
      const heads = viewOf([delivery("a", 1, { url, status: "inflight" }), delivery("b", 1, { url })]);
      expect(probing).toMatchObject({ state: "half_open", openUntil: NOW + 59_000 });
      expect(plan(heads, { breakers: new Map([[url, probing]]) })).toEqual([]);
      expect(heads.earliestReady()).toBe(NOW + 59_000);
    });

    it("when the breaker closes early (its probe succeeded), the heads waiting for its cool-down go at once", () => {
      const heads = viewOf([delivery("a", 1, { url }), delivery("b", 1, { url, next_attempt_at: NOW - 10 }), delivery("c", 1, { url: other })]);
      expect(ids(plan(heads, { breakers: new Map([[url, probing]]) }))).toEqual(["c#1"]);
      heads.breakerClosed(other);
      expect(heads.earliestReady()).toBe(NOW + 59_000);
      heads.breakerClosed(url);
      expect(heads.earliestReady()).toBe(NOW - 10);
      expect(ids(plan(heads))).toEqual(["b#1", "a#1"]);
    });

    it("a closed breaker or a URL without one holds nothing back", () => {
      const heads = viewOf([delivery("a", 1, { url }), delivery("b", 1, { url }), delivery("c", 1, { url: other })]);
      expect(ids(plan(heads, { breakers: new Map([[url, CLOSED_BREAKER]]) }))).toEqual(["a#1", "b#1", "c#1"]);
    });
  });

  it("after the first read, a send reads back only its own stream, however many streams are open", () => {
    const rows = Array.from({ length: 10_000 }, (_, index) => delivery(`s${index}`, index + 1, { next_attempt_at: NOW + index }));
    const source = memorySource(rows);
    const heads = new StreamHeads();
    heads.refresh(source);
    expect(source.reads).toEqual({ all: 1, one: 0 });
    for (let round = 0; round < 100; round++) {
      const [sent] = plan(heads, { now: NOW + 20_000, limit: 1 });
      heads.noteStarted({ ...sent!, status: "inflight" });
      rows[sent!.position - 1]!.status = "delivered";
      heads.noteFinished(sent!.id, false);
      heads.noteSendEnded(sent!.stream_key);
      heads.refresh(source);
    }
    expect(source.reads).toEqual({ all: 1, one: 100 });
    expect(heads.earliestReady()).toBe(NOW + 100);
  });
});

interface SimulatedDelivery extends HeadRow {
  deadLetterPolicy: "skip" | "block";
}

/**
 * Drives the view the way the drain does, against a flaky receiver: events fan out to a subscription-ordered
 * and two record-ordered subscriptions, attempts finish after random latencies, fail at random (5xx, timeouts
 * whose request did arrive), retry on a compressed schedule, dead-letter (skip or block), and trip circuit
 * breakers. Returns what each stream's receiver saw and how each delivery ended.
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
  const all: SimulatedDelivery[] = [];
  for (let seq = 1; seq <= 60; seq++) {
    const event = { form: random() < 0.5 ? "User" : "Ticket", recordId: `R${Math.floor(random() * 4)}` };
    for (const subscription of subscriptions) {
      const row = delivery(streamKey(subscription, event), all.length + 1, { id: `msg_${seq}_${subscription.id}`, subscription_id: subscription.id, event_seq: seq, next_attempt_at: seq, url: subscription.url });
      all.push({ ...row, deadLetterPolicy: subscription.deadLetterPolicy });
    }
  }
  const source = memorySource(all);
  const heads = new StreamHeads();
  const breakers = new Map<string, CircuitBreaker>();
  const received = new Map<string, number[]>();
  const ended = new Map<string, "delivered" | "dead_letter" | "blocked">();
  const inFlight: { delivery: SimulatedDelivery; finishesAt: number }[] = [];
  const violations: string[] = [];
  let now = 0;

  for (let step = 0; step < 100_000; step++) {
    heads.refresh(source);
    const sent = heads.plan({
      now,
      limit: concurrency - inFlight.length,
      factsOf: (head) => ({ nextAttemptAt: head.next_attempt_at, held: false, url: head.url ?? undefined, breaker: breakers.get(head.url ?? "") }),
    });
    for (const head of sent) {
      const row = all[head.position - 1]!;
      const earlier = all.find((other) => other.stream_key === row.stream_key && isOpen(other) && other.event_seq < row.event_seq);
      if (earlier) violations.push(`${row.id} sent before ${earlier.id} finished`);
      row.status = "inflight";
      row.attempts++;
      heads.noteStarted({ ...row });
      const url = row.url ?? "";
      breakers.set(url, recordSend(breakers.get(url) ?? CLOSED_BREAKER, now, breakerOptions));
      inFlight.push({ delivery: row, finishesAt: now + 1 + Math.floor(random() * 15) });
    }
    if (inFlight.length > concurrency) violations.push(`${inFlight.length} in flight at ${now}`);

    // Due heads that found no slot wait for a send to finish; otherwise the clock moves to the next due head.
    const wake = heads.earliestReady();
    const next = Math.min(wake !== null && wake > now ? wake : Infinity, ...inFlight.map((item) => item.finishesAt));
    if (next === Infinity) {
      if (wake !== null) violations.push(`a head due at ${wake} was never sent (now ${now})`);
      break;
    }
    now = Math.max(now, next);

    for (const item of inFlight.filter((candidate) => candidate.finishesAt <= now)) {
      inFlight.splice(inFlight.indexOf(item), 1);
      const { delivery: row } = item;
      const roll = random();
      const outcome: AttemptOutcome = roll < 0.55 ? { kind: "response", status: 200 } : roll < 0.85 ? { kind: "response", status: 503 } : { kind: "timeout" };
      // A timeout's outcome is unknown: the receiver may have processed the request, so count it as arrived.
      const arrived = outcome.kind === "timeout" || outcome.status === 200;
      if (arrived) received.set(row.stream_key, [...(received.get(row.stream_key) ?? []), row.event_seq]);
      const url = row.url ?? "";
      const breaker = breakers.get(url) ?? CLOSED_BREAKER;
      const next = outcome.kind === "response" && outcome.status === 200 ? recordSuccess() : recordFailure(breaker, now, breakerOptions);
      breakers.set(url, next);
      if (breaker.state !== "closed" && next.state === "closed") heads.breakerClosed(url);

      const decision = decideAfterAttempt({ attempt: row.attempts, outcome, policy, now, random });
      if (decision.kind === "retry") {
        row.status = "pending";
        row.next_attempt_at = decision.at;
      } else if (decision.kind === "dead_letter" && row.deadLetterPolicy === "block") {
        row.status = "dead";
        row.blocking = 1;
        ended.set(row.id, "blocked");
      } else {
        row.status = decision.kind === "delivered" ? "delivered" : "dead";
        ended.set(row.id, decision.kind === "delivered" ? "delivered" : "dead_letter");
      }
      heads.noteFinished(row.id, isOpen(row));
      heads.noteSendEnded(row.stream_key);
    }
  }
  return { all, received, ended, violations, pending: all.filter(isOpen) };
}

describe("ordering under random failures (seeded)", () => {
  it.each([1, 2, 3, 7, 42, 1234])("seed %i: every stream's receiver sees seq in commit order, no gaps but dead letters", (seed) => {
    const { all, received, ended, violations, pending } = simulate(seed);
    expect(violations).toEqual([]);

    const streams = new Map<string, SimulatedDelivery[]>();
    for (const delivery of all) streams.set(delivery.stream_key, [...(streams.get(delivery.stream_key) ?? []), delivery]);
    expect([...streams.keys()].some((key) => key.includes("|"))).toBe(true);
    expect(streams.has("WBH1")).toBe(true);

    for (const [key, deliveries] of streams) {
      const seen = received.get(key) ?? [];
      // Never backwards; a repeat only of the last one seen (a retry after a timeout that did arrive).
      seen.forEach((seq, index) => expect(seq, `${key}: ${seen.join(",")}`).toBeGreaterThanOrEqual(seen[index - 1] ?? 0));
      const distinct = [...new Set(seen)];
      const blockedAt = deliveries.find((delivery) => ended.get(delivery.id) === "blocked")?.event_seq ?? Infinity;
      // Everything before a blocking dead letter finished; nothing after it was attempted.
      const settled = deliveries.filter((delivery) => delivery.event_seq < blockedAt);
      expect(settled.every((delivery) => ended.get(delivery.id) === "delivered" || ended.get(delivery.id) === "dead_letter")).toBe(true);
      expect(deliveries.filter((delivery) => delivery.event_seq > blockedAt).every((delivery) => delivery.attempts === 0)).toBe(true);
      // The receiver got every delivered event; the only gaps are dead letters (which may have arrived on a timeout).
      const delivered = settled.filter((delivery) => ended.get(delivery.id) === "delivered").map((delivery) => delivery.event_seq);
      expect(distinct.filter((seq) => seq < blockedAt && !delivered.includes(seq)).every((seq) => settled.some((delivery) => delivery.event_seq === seq && ended.get(delivery.id) === "dead_letter"))).toBe(true);
      expect(delivered.every((seq) => distinct.includes(seq))).toBe(true);
    }
    // Whatever is still pending sits behind a blocking dead letter.
    expect(pending.every((delivery) => delivery.blocking === 1 || pending.some((other) => other.blocking === 1 && other.stream_key === delivery.stream_key))).toBe(true);
  });

  it("the random failures do exercise retries, dead letters, blocked streams and the breakers", () => {
    const outcomes = [1, 2, 3, 7, 42, 1234].map((seed) => simulate(seed));
    const endings = outcomes.flatMap(({ ended }) => [...ended.values()]);
    expect(endings).toContain("delivered");
    expect(endings).toContain("dead_letter");
    expect(endings).toContain("blocked");
    expect(outcomes.flatMap(({ all }) => all).some((delivery) => delivery.attempts > 1)).toBe(true);
  });
});

describe("StreamHeads.plan under a rate limit", () => {
  it("takes at most the subscription's tokens in one round, across its many streams, and queues the rest for the next token", () => {
    const rows = Array.from({ length: 40 }, (_, i) => delivery(`s${String(i).padStart(2, "0")}`, i + 1));
    const heads = viewOf([...rows, delivery("other", 99, { subscription_id: "WBH2" })]);
    const throttle = { limiter: new SendThrottle(), rates: new Map([["WBH1", 5]]) };
    const first = plan(heads, { throttle, limit: 100 });
    expect(first.filter((head) => head.subscription_id === "WBH1")).toHaveLength(5);
    expect(ids(first)).toContain("other#99");
    // Waiting heads are queued for the next token: the object's alarm is set for it, nothing is lost.
    expect(heads.earliestReady()).toBe(NOW + 200);
    expect(plan(heads, { throttle, limit: 100, now: NOW + 100 })).toEqual([]);
    expect(plan(heads, { throttle, limit: 100, now: NOW + 200 })).toHaveLength(1);
  });

  it("a send costs a few heap operations however many streams wait for tokens, and every stream gets its turn", () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => delivery(`s${String(i).padStart(4, "0")}`, i + 1));
    const heads = viewOf(rows);
    const limiter = new SendThrottle();
    let looked = 0;
    const round = (now: number) => {
      const sent = heads.plan({
        now,
        limit: 100,
        factsOf: (head) => {
          looked++;
          return { nextAttemptAt: head.next_attempt_at, held: false };
        },
        throttle: (head) => limiter.take(head.subscription_id, 10, now),
      });
      return sent;
    };
    expect(round(NOW)).toHaveLength(10);
    const sent = new Set<string>();
    looked = 0;
    for (let now = NOW + 100, rounds = 0; sent.size < 1_990; now += 100, rounds++) {
      for (const head of round(now)) sent.add(head.id);
      expect(rounds).toBeLessThan(2_000);
    }
    // One token every 100 ms: each round looks at the head that takes it and at the one that waits for the next.
    expect(looked).toBeLessThanOrEqual(2 * 1_990 + 10);
    expect(heads.earliestReady()).toBe(null);
  });

  it("a throttled stream keeps its order: its head waits, nothing behind it overtakes", () => {
    const heads = viewOf([delivery("a", 1), delivery("a", 2), delivery("b", 3)]);
    const throttle = { limiter: new SendThrottle(), rates: new Map([["WBH1", 1]]) };
    expect(ids(plan(heads, { throttle }))).toEqual(["a#1"]);
    expect(heads.earliestReady()).toBe(NOW + 1_000);
  });
});
