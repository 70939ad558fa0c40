import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createTenant } from "../helpers";
import { createEntry, deliveryStub, editStorage, settle, startReceiver, subscribe, updateEntry, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** The stream key each of the subscription's deliveries was stored under, by event seq. */
const streamKeys = (tenantId: string) =>
  runInDurableObject(deliveryStub(tenantId), (_instance, state) =>
    state.storage.sql.exec<{ event_seq: number; stream_key: string }>("SELECT event_seq, stream_key FROM deliveries ORDER BY position").toArray(),
  );

/** Makes every retry due now (the test does not wait out the retry delay). */
const retryNow = (tenantId: string) =>
  editStorage(tenantId, (sql) => {
    sql.exec("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'", Date.now() - 1);
  });

describe("a change of ordering while deliveries are open", () => {
  // The PUT refuses the change while deliveries are open, but its count and its write are not one
  // transaction with the fan-out: a change can land right after an event fanned out under the old ordering.
  it("that raced a fan-out: new events join the old kind of stream until it is done, so a record's later event never overtakes", async () => {
    let healthy = false;
    receiver = startReceiver(() => (healthy ? new Response("ok") : new Response("down", { status: 503 })));
    const tenant = await createTenant("ordering-race");
    const id = await subscribe(tenant, { url: receiver.url, ordering: "subscription", retryDelaysMs: [600_000], maxAttempts: 5 });
    const entry = await createEntry(tenant, { n: 1 });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(receiver.received).toHaveLength(1);

    await env.DB.prepare("UPDATE subscriptions SET ordering = 'record' WHERE id = ?").bind(id).run();
    await updateEntry(tenant, entry, { n: 2 });
    await deliveryStub(tenant.id).pump(tenant.id);
    // n = 2 waits behind n = 1 (retrying in 10 minutes) in the subscription's one stream.
    expect(receiver.received).toHaveLength(1);
    expect((await streamKeys(tenant.id)).map((row) => row.stream_key)).toEqual([id, id]);

    healthy = true;
    await retryNow(tenant.id);
    await settle(tenant.id);
    expect(receiver.received.map((request) => request.json.entry_details)).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }]);

    // Once the old stream is done, the new ordering applies.
    await updateEntry(tenant, entry, { n: 3 });
    await settle(tenant.id);
    expect((await streamKeys(tenant.id)).map((row) => row.stream_key)).toEqual([id, id, `${id}|Widget|${entry}`]);
    expect(receiver.received.at(-1)!.json.entry_details).toEqual({ n: 3 });
  });

  it("from record to subscription: each record keeps its own stream until every open one is done", async () => {
    let healthy = false;
    receiver = startReceiver(() => (healthy ? new Response("ok") : new Response("down", { status: 503 })));
    const tenant = await createTenant("ordering-race-2");
    const id = await subscribe(tenant, { url: receiver.url, ordering: "record", retryDelaysMs: [600_000], maxAttempts: 5 });
    const first = await createEntry(tenant, { n: 1 });
    await deliveryStub(tenant.id).pump(tenant.id);

    await env.DB.prepare("UPDATE subscriptions SET ordering = 'subscription' WHERE id = ?").bind(id).run();
    const second = await createEntry(tenant, { n: 2 });
    await updateEntry(tenant, first, { n: 3 });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect((await streamKeys(tenant.id)).map((row) => row.stream_key)).toEqual([`${id}|Widget|${first}`, `${id}|Widget|${second}`, `${id}|Widget|${first}`]);

    healthy = true;
    await retryNow(tenant.id);
    await settle(tenant.id);
    const firstRecord = receiver.received.filter((request) => request.json.entry_id === first).map((request) => request.json.entry_details);
    expect(firstRecord).toEqual([{ n: 1 }, { n: 1 }, { n: 3 }]);
  });
});
