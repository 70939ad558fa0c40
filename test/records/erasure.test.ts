import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { createRecord } from "../../src/records/record-writes";
import { SEED_TICKET, TICKET_PATH, call, createTenant, envelope, type TestTenant, shardOf } from "../helpers";
import { createEntry, deliveryStub, listDeliveries, settle, startReceiver, subscribe, updateEntry, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** A value that appears nowhere but in the record being erased, so the tests can look for it anywhere. */
const SECRET = "Ssn-078-05-1120";

const erase = (tenant: TestTenant, form: string, id: string, query = "?erase=true", key: string | null = tenant.key) =>
  call(tenant.slug, `/api/v1/records/${form}/${id}${query}`, { key, method: "DELETE" });

interface FeedEvent {
  seq: number;
  recordId: string;
  type: string;
  data: Record<string, unknown>;
  changedFields: string[];
  erased: boolean;
}

const feed = async (tenant: TestTenant): Promise<FeedEvent[]> =>
  (await (await call(tenant.slug, "/api/v1/events?limit=1000", { key: tenant.key })).json<{ items: FeedEvent[] }>()).items;

/** Every body the tenant's delivery object keeps, and every response excerpt of its attempts in D1. */
async function keptBytes(tenant: TestTenant): Promise<string> {
  const bodies = await runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
    state.storage.sql.exec<{ body: string }>("SELECT body FROM deliveries").toArray().map((row) => row.body),
  );
  const excerpts = await (await shardOf(tenant.id)).prepare("SELECT response_excerpt FROM delivery_attempts WHERE tenant_id = ?").bind(tenant.id).all<{ response_excerpt: string | null }>();
  return JSON.stringify([bodies, excerpts.results]);
}

describe("DELETE /api/v1/records/{form}/{id}?erase=true", () => {
  it("erases the record: GET is 404, its events stay in the feed as tombstones with their seqs, bodies and excerpts are gone", async () => {
    // The receiver echoes what it got, so its response excerpt holds the record's values too.
    receiver = startReceiver((request) => new Response(request.body));
    const tenant = await createTenant("erase");
    await subscribe(tenant, { url: receiver.url });
    const id = await createEntry(tenant, { name: "Ann", ssn: SECRET });
    await updateEntry(tenant, id, { name: "Anne" });
    const other = await createEntry(tenant, { name: "Bob" });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(3);
    const before = await feed(tenant);
    expect(await keptBytes(tenant)).toContain(SECRET);

    const response = await erase(tenant, "Widget", id);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");

    expect((await call(tenant.slug, `/api/v1/records/Widget/${id}`, { key: tenant.key })).status).toBe(404);
    expect((await call(tenant.slug, `/api/arsys/v1.0/entry/Widget/${id}`, { key: tenant.key })).status).toBe(404);
    const after = await feed(tenant);
    expect(after.map((event) => event.seq)).toEqual(before.map((event) => event.seq));
    expect(after.filter((event) => event.recordId === id)).toEqual(
      before
        .filter((event) => event.recordId === id)
        .map((event) => expect.objectContaining({ seq: event.seq, type: event.type, data: {}, changedFields: [], erased: true })),
    );
    expect(after.find((event) => event.recordId === other)).toMatchObject({ data: { name: "Bob" }, erased: false });
    expect(JSON.stringify(after)).not.toContain(SECRET);
    expect(JSON.stringify(after)).not.toContain("Anne");
    expect(await keptBytes(tenant)).not.toContain(SECRET);
    // The other record's delivery is untouched.
    expect(await keptBytes(tenant)).toContain("Bob");
  });

  it("skips the record's pending deliveries and lets its stream go on; a replay of them is refused", async () => {
    // The erased record's callbacks fail, so they wait for a retry that must never come.
    receiver = startReceiver((request) => (request.body.includes(SECRET) ? new Response("down", { status: 503 }) : new Response("ok")));
    const tenant = await createTenant("erase-pending");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [60_000], maxAttempts: 5, deadLetterPolicy: "block" });
    const id = await createEntry(tenant, { name: "Ann", ssn: SECRET });
    await deliveryStub(tenant.id).pump(tenant.id);
    const later = await createEntry(tenant, { name: "Bob" });
    await deliveryStub(tenant.id).pump(tenant.id);
    // One stream (ordering "subscription"): Bob waits behind Ann's retry.
    expect(receiver.received).toHaveLength(1);

    expect((await erase(tenant, "Widget", id)).status).toBe(204);
    await settle(tenant.id, { wake: false });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toContain(later);
    const deliveries = await listDeliveries(tenant);
    expect(deliveries.map((delivery) => [delivery.status, delivery.lastError])).toEqual([
      ["skipped", "record erased"],
      ["delivered", null],
    ]);
    const replay = await call(tenant.slug, `/api/v1/deliveries/${deliveries[0]!.id}/replay`, { key: tenant.key, method: "POST" });
    expect(replay.status).toBe(409);
    expect((await envelope(replay)).error.code).toBe("CONFLICT");
    expect((await listDeliveries(tenant)).length).toBe(2);
  });

  it("a send that is out when the record is erased is not retried, and its response is not kept", async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    receiver = startReceiver(async () => {
      await answered;
      return new Response(`echo ${SECRET}`, { status: 503 });
    });
    const tenant = await createTenant("erase-inflight");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [1], maxAttempts: 5 });
    const id = await createEntry(tenant, { name: "Ann", ssn: SECRET });
    const pumped = deliveryStub(tenant.id).pump(tenant.id);
    for (const deadline = Date.now() + 5_000; receiver.received.length === 0; ) {
      if (Date.now() > deadline) throw new Error("the callback never went out");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await erase(tenant, "Widget", id)).status).toBe(204);
    answer();
    await pumped;
    await settle(tenant.id, { wake: false });
    expect(receiver.received).toHaveLength(1);
    expect((await listDeliveries(tenant)).map((delivery) => [delivery.status, delivery.lastError])).toEqual([["skipped", "record erased"]]);
    // The attempt is logged (it happened), without the receiver's answer.
    const attempts = await (await shardOf(tenant.id)).prepare("SELECT status_code, response_excerpt FROM delivery_attempts WHERE tenant_id = ?").bind(tenant.id).all();
    expect(attempts.results).toEqual([{ status_code: 503, response_excerpt: null }]);
  });

  it("an event erased before delivery fanned it out is never delivered", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("erase-early");
    await subscribe(tenant, { url: receiver.url });
    // Committed without a nudge: the delivery object has not read it yet.
    const created = await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { ssn: SECRET } });
    expect((await erase(tenant, "Widget", created.record.id)).status).toBe(204);
    await createEntry(tenant, { name: "Bob" });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).not.toContain(SECRET);
    expect(await listDeliveries(tenant)).toHaveLength(1);
  });

  it("a delivery fan-out read before the erasure stores nothing of the erased events", async () => {
    const tenant = await createTenant("erase-fanout");
    await subscribe(tenant, { url: "https://receiver.example/hook" });
    const created = await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { ssn: SECRET } });
    const seq = created.event!.seq;
    await runInDurableObject(deliveryStub(tenant.id), async (instance) => {
      const store = instance.engine.store;
      store.erased.erase([seq], Date.now());
      // What a fan-out that read the event before the erasure would store: filtered by the drain at store time.
      await instance.engine.fanOutNewEvents(tenant.id);
      expect(store.list({ limit: 10 })).toEqual([]);
      expect(store.cursor()).toBe(seq);
    });
  });

  it("bad input: erase missing or not true is 400 and erases nothing; an unknown record or form is 404; a bad form name is 400", async () => {
    const tenant = await createTenant("erase-bad");
    const id = await createEntry(tenant, { name: "Ann" });
    for (const query of ["", "?erase=false", "?erase=1", "?erase=TRUE"]) {
      const response = await erase(tenant, "Widget", id, query);
      expect(response.status).toBe(400);
      const body = await envelope(response);
      expect(body.error.code).toBe("VALIDATION_FAILED");
      expect(body.error.message).toContain("erase");
    }
    expect((await call(tenant.slug, `/api/v1/records/Widget/${id}`, { key: tenant.key })).status).toBe(200);
    const unknown = await erase(tenant, "Widget", "WID999999999999");
    expect(unknown.status).toBe(404);
    expect((await envelope(unknown)).error.code).toBe("NOT_FOUND");
    expect((await erase(tenant, "Other", id)).status).toBe(404);
    expect((await erase(tenant, encodeURIComponent("bad!form"), id)).status).toBe(400);
  });

  it("security: no key or a wrong key is 401, a key without the api scope is 403, another tenant's record is 404; nothing is erased", async () => {
    const owner = await createTenant("erase-owner");
    const stranger = await createTenant("erase-stranger");
    const narrow = await createTenant("erase-narrow", ["tickets"]);
    const id = await createEntry(owner, { name: "Ann", ssn: SECRET });
    expect((await erase(owner, "Widget", id, "?erase=true", null)).status).toBe(401);
    expect((await erase(owner, "Widget", id, "?erase=true", stranger.key)).status).toBe(401);
    expect((await erase(owner, "Widget", id, "?erase=true", "hg_live_not_a_key")).status).toBe(401);
    expect((await erase(stranger, "Widget", id)).status).toBe(404);
    expect((await erase(narrow, "Widget", id)).status).toBe(403);
    const still = await call(owner.slug, `/api/v1/records/Widget/${id}`, { key: owner.key });
    expect(await still.json()).toMatchObject({ data: { ssn: SECRET } });
    expect(JSON.stringify(await feed(owner))).toContain(SECRET);
  });

  it("erasing again is 204 and changes nothing; a ticket's Idempotency-Key cannot bring the erased ticket back", async () => {
    const tenant = await createTenant("erase-again");
    const headers = { "idempotency-key": "create-1" };
    const created = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { ...SEED_TICKET, description: SECRET }, headers });
    expect(created.status).toBe(201);
    const { id } = await created.json<{ id: string }>();
    expect((await erase(tenant, "Ticket", id)).status).toBe(204);
    const tombstones = await feed(tenant);
    expect((await erase(tenant, "Ticket", id)).status).toBe(204);
    expect(await feed(tenant)).toEqual(tombstones);
    const retried = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: { ...SEED_TICKET, description: SECRET }, headers });
    expect(retried.status).toBe(409);
    expect((await envelope(retried)).error.code).toBe("CONFLICT");
    expect(JSON.stringify(await feed(tenant))).not.toContain(SECRET);
  });

  it("concurrency: erasures racing each other and updates of the record all end erased, with every event a tombstone", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("erase-race");
    await subscribe(tenant, { url: receiver.url });
    const id = await createEntry(tenant, { name: "Ann", ssn: SECRET });
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => erase(tenant, "Widget", id).then((response) => `erase ${response.status}`)),
      ...Array.from({ length: 6 }, (_, n) =>
        call(tenant.slug, `/api/arsys/v1.0/entry/Widget/${id}`, { key: tenant.key, method: "PUT", json: { values: { name: `Ann ${n}` } } }).then(
          (response) => `update ${response.status}`,
        ),
      ),
    ]);
    expect(results.filter((result) => result.startsWith("erase"))).toEqual(Array(4).fill("erase 204"));
    // An update either landed before the erasure (and its event was erased with the rest) or found no record.
    for (const result of results.filter((result) => result.startsWith("update"))) expect(["update 204", "update 404"]).toContain(result);
    await settle(tenant.id);
    expect((await call(tenant.slug, `/api/v1/records/Widget/${id}`, { key: tenant.key })).status).toBe(404);
    const events = await feed(tenant);
    expect(events.length).toBe(1 + results.filter((result) => result === "update 204").length);
    expect(events.every((event) => event.erased && Object.keys(event.data).length === 0)).toBe(true);
    expect(await keptBytes(tenant)).not.toContain(SECRET);
    expect(JSON.stringify(await feed(tenant))).not.toContain("Ann ");
  });
});
