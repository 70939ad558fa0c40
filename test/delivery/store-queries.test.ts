/**
 * DeliveryStore's queries against a real object's SQLite: replay ids stay unique however a delivery's
 * replays are chained, the reads behind replay, the delivery list and the stream views seek an index (the
 * statements the store really runs are recorded and explained), and earliestDue() sees only sendable heads.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DeliveryStore } from "../../src/delivery/delivery-store";
import type { PlannedDelivery } from "../../src/delivery/fan-out";

const planned = (eventSeq: number, streamKey = "sub1"): PlannedDelivery => ({
  subscriptionId: "sub1",
  streamKey,
  eventSeq,
  body: `{"n":${eventSeq}}`,
  contentType: "application/json",
});

interface Statement {
  query: string;
  bindings: SqlStorageValue[];
}

/** The object's SQL, recording every statement run through it. */
function recording(sql: SqlStorage, statements: Statement[]): SqlStorage {
  return new Proxy(sql, {
    get(target, property) {
      if (property !== "exec") return Reflect.get(target, property, target) as unknown;
      return (query: string, ...bindings: SqlStorageValue[]) => {
        statements.push({ query, bindings });
        return target.exec(query, ...bindings);
      };
    },
  });
}

function inObject<T>(run: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(`store-queries-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => run(state.storage.sql));
}

describe("replay ids", () => {
  it("a replay of a replay and a second replay of the original each get an id of their own", async () => {
    const ids = await inObject((sql) => {
      const store = new DeliveryStore(sql);
      store.addFanOut([planned(1)], 1, 1);
      const original = store.get("msg_1_sub1")!;
      const first = store.replay(original, 2);
      const ofReplay = store.replay(first, 3);
      const again = store.replay(original, 4);
      return [first, ofReplay, again].map((row) => ({ id: row.id, replayOf: row.replay_of, seq: row.event_seq }));
    });
    expect(ids).toEqual([
      { id: "msg_1_sub1_r1", replayOf: "msg_1_sub1", seq: 1 },
      { id: "msg_1_sub1_r2", replayOf: "msg_1_sub1", seq: 1 },
      { id: "msg_1_sub1_r3", replayOf: "msg_1_sub1", seq: 1 },
    ]);
  });
});

describe("query plans", () => {
  it("replay, bulk replay, the filtered delivery list, stream summaries and earliestDue never scan the deliveries table", async () => {
    const plans = await inObject((sql) => {
      const statements: Statement[] = [];
      const store = new DeliveryStore(recording(sql, statements));
      store.addFanOut([planned(1), planned(2, "sub1:b")], 2, 1);
      statements.length = 0;
      store.replay(store.get("msg_1_sub1")!, 2);
      store.originalsSince("sub1", { seq: 1 });
      store.list({ subscriptionId: "sub1", limit: 10 });
      store.list({ status: "pending", limit: 10 });
      store.list({ subscriptionId: "sub1", status: "dead", afterPosition: 1, limit: 10 });
      store.streamSummaries();
      store.earliestDue();
      return statements
        .filter((statement) => /^\s*(SELECT|WITH)/i.test(statement.query) && /FROM deliveries/.test(statement.query))
        .filter((statement) => !/WHERE id = \?$/.test(statement.query))
        .map((statement) => ({
          query: statement.query.replace(/\s+/g, " ").trim(),
          plan: sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement.query}`, ...statement.bindings).toArray().map((row) => row.detail),
        }));
    });
    // replay's count, originalsSince, three lists, streamSummaries, earliestDue.
    expect(plans).toHaveLength(7);
    for (const { query, plan } of plans) {
      expect(plan.filter((detail) => /^SCAN (deliveries|head)$/.test(detail)), `${query}\n${plan.join("\n")}`).toEqual([]);
      expect(plan.some((detail) => /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(detail)), `${query}\n${plan.join("\n")}`).toBe(true);
    }
    const summaries = plans.find((entry) => entry.query.includes("GROUP BY stream_key"))!;
    expect(summaries.plan.join("\n")).toContain("COVERING INDEX deliveries_stream_summary");
    const replayCount = plans.find((entry) => entry.query.includes("replay_of = ?"))!;
    expect(replayCount.plan.join("\n")).toContain("deliveries_replay_of");
  });
});

describe("earliestDue", () => {
  it("is the earliest due time among stream heads that can be sent: deliveries behind a head and blocked streams do not count", async () => {
    const seen = await inObject((sql) => {
      const store = new DeliveryStore(sql);
      const empty = store.earliestDue();
      // Stream a: a head retrying at 500, with an older delivery (due at 10) behind it.
      store.addFanOut([planned(1, "a"), planned(2, "a")], 2, 10);
      store.finish("msg_1_sub1", { status: "pending", nextAttemptAt: 500, lastStatus: 503, lastError: null, now: 10 });
      const retrying = store.earliestDue();
      // Stream b: a head in flight, to go again at 300 if its outcome is never recorded.
      store.addFanOut([planned(3, "b")], 3, 20);
      store.markInflight("msg_3_sub1", 20, 300);
      const inflight = store.earliestDue();
      // Stream c: blocked behind a dead-lettered head; what waits behind it (due at 5) waits for an operator.
      store.addFanOut([planned(4, "c"), planned(5, "c")], 5, 5);
      store.finish("msg_4_sub1", { status: "dead", blocking: true, lastStatus: 500, lastError: null, now: 5 });
      const blocked = store.earliestDue();
      for (const id of ["msg_1_sub1", "msg_2_sub1", "msg_3_sub1"]) store.finish(id, { status: "delivered", lastStatus: 200, lastError: null, now: 600 });
      return { empty, retrying, inflight, blocked, onlyBlocked: store.earliestDue() };
    });
    expect(seen).toEqual({ empty: null, retrying: 500, inflight: 300, blocked: 300, onlyBlocked: null });
  });
});
