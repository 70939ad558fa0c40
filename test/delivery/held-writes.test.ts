/**
 * DeliveryStore's held writes (group commit): a held write waits in memory, but every statement the store
 * runs runs it first, so the store never reads its own state stale and writes keep their order; it reaches
 * storage when `maxHeld` are waiting or `maxHeldMs` have passed. Run against a real object's SQLite.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DeliveryStore } from "../../src/delivery/delivery-store";
import type { PlannedDelivery } from "../../src/delivery/fan-out";

const planned = (eventSeq: number): PlannedDelivery => ({
  subscriptionId: "sub1",
  streamKey: "sub1",
  eventSeq,
  body: `{"n":${eventSeq}}`,
  contentType: "application/json",
});

/** A fresh object's storage with three pending deliveries (msg_1_sub1 … msg_3_sub1), and its raw SQL. */
async function withStore<T>(name: string, run: (store: DeliveryStore, raw: SqlStorage) => T | Promise<T>, limits = { maxHeld: 3, maxHeldMs: 60_000 }): Promise<T> {
  const stub = env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(`held-writes-${name}-${crypto.randomUUID()}`));
  return runInDurableObject(stub, async (_instance, state) => {
    const store = new DeliveryStore(state.storage.sql, limits);
    store.addFanOut([planned(1), planned(2), planned(3)], 3, Date.now());
    const result = await run(store, state.storage.sql);
    store.flushHeld();
    return result;
  });
}

const rawStatus = (raw: SqlStorage, id: string) =>
  raw.exec<{ status: string; attempts: number }>("SELECT status, attempts FROM deliveries WHERE id = ?", id).one();

describe("held writes (group commit of delivery outcomes)", () => {
  it("a held write is not in storage yet, and the store's next statement runs it first", async () => {
    const seen = await withStore("read", (store, raw) => {
      store.markInflight("msg_1_sub1", 1, 1, "held");
      store.finish("msg_1_sub1", { status: "delivered", lastStatus: 200, lastError: null, now: 2 }, "held");
      const before = rawStatus(raw, "msg_1_sub1");
      const held = store.heldWrites;
      const read = store.get("msg_1_sub1");
      return { before, held, read: { status: read?.status, attempts: read?.attempts }, after: rawStatus(raw, "msg_1_sub1"), heldAfter: store.heldWrites };
    });
    expect(seen.before).toEqual({ status: "pending", attempts: 0 });
    // The outcome took its held in-flight mark's place: one write does both.
    expect(seen.held).toBe(1);
    // It ran before the read: counted as an attempt, and delivered.
    expect(seen.read).toEqual({ status: "delivered", attempts: 1 });
    expect(seen.after).toEqual({ status: "delivered", attempts: 1 });
    expect(seen.heldAfter).toBe(0);
  });

  it("an outcome whose mark already reached storage is a write of its own, and keeps the attempt counted once", async () => {
    const seen = await withStore("split", (store, raw) => {
      store.markInflight("msg_1_sub1", 1, 1, "held");
      store.markInflight("msg_2_sub1", 1, 1, "held");
      store.get("msg_1_sub1"); // runs the held marks
      store.finish("msg_1_sub1", { status: "delivered", lastStatus: 200, lastError: null, now: 2 }, "held");
      store.finish("msg_2_sub1", { status: "pending", nextAttemptAt: 50, lastStatus: 503, lastError: null, now: 2 }, "held");
      const held = store.heldWrites;
      store.flushHeld();
      return { held, one: rawStatus(raw, "msg_1_sub1"), two: rawStatus(raw, "msg_2_sub1") };
    });
    expect(seen).toEqual({ held: 2, one: { status: "delivered", attempts: 1 }, two: { status: "pending", attempts: 1 } });
  });

  it("a write made at once runs the held ones before it, so writes keep their order", async () => {
    const after = await withStore("order", (store, raw) => {
      store.finish("msg_1_sub1", { status: "delivered", lastStatus: 200, lastError: null, now: 1 }, "held");
      store.finish("msg_1_sub1", { status: "pending", nextAttemptAt: 99, lastStatus: 500, lastError: null, now: 2 }, "now");
      return raw.exec<{ status: string; last_status: number }>("SELECT status, last_status FROM deliveries WHERE id = 'msg_1_sub1'").one();
    });
    expect(after).toEqual({ status: "pending", last_status: 500 });
  });

  it("the write that reaches maxHeld flushes them all", async () => {
    const seen = await withStore("count", (store, raw) => {
      const done = { status: "delivered" as const, lastStatus: 200, lastError: null, now: 1 };
      store.finish("msg_1_sub1", done, "held");
      store.finish("msg_2_sub1", done, "held");
      const beforeThird = raw.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'").one().n;
      store.finish("msg_3_sub1", done, "held");
      const afterThird = raw.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'").one().n;
      return { beforeThird, afterThird, held: store.heldWrites };
    });
    expect(seen).toEqual({ beforeThird: 0, afterThird: 3, held: 0 });
  });

  it("a held write reaches storage by itself within maxHeldMs", async () => {
    const seen = await withStore(
      "timer",
      async (store, raw) => {
        store.finish("msg_2_sub1", { status: "delivered", lastStatus: 200, lastError: null, now: 1 }, "held");
        const before = rawStatus(raw, "msg_2_sub1").status;
        await new Promise((resolve) => setTimeout(resolve, 60));
        return { before, after: rawStatus(raw, "msg_2_sub1").status, held: store.heldWrites };
      },
      { maxHeld: 64, maxHeldMs: 10 },
    );
    expect(seen).toEqual({ before: "pending", after: "delivered", held: 0 });
  });

  it("writes made at once are in storage straight away", async () => {
    const status = await withStore("now", (store, raw) => {
      store.markInflight("msg_3_sub1", 1, 1);
      return rawStatus(raw, "msg_3_sub1");
    });
    expect(status).toEqual({ status: "inflight", attempts: 1 });
  });
});
