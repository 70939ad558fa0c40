import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { call, createTenant, type TestTenant, shardOf } from "../helpers";
import { createEntry, deliveryStub, editStorage, settle, startReceiver, subscribe, updateEntry, type Receiver } from "./harness";
import type { DeliveryView as Delivery } from "../../src/delivery/delivery-view";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const deliveries = async (tenant: TestTenant, query = "") =>
  (await (await call(tenant.slug, `/api/v1/deliveries${query}`, { key: tenant.key })).json<{ items: Delivery[] }>()).items;

const webhook = async (tenant: TestTenant, id: string) =>
  (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json<Record<string, unknown>>();

describe("retry policy", () => {
  it("follows the default schedule: the second attempt is 5 s (±20 %) after the first", async () => {
    receiver = startReceiver(() => new Response("busy", { status: 503 }));
    const tenant = await createTenant("sched");
    await subscribe(tenant, { url: receiver.url, defaultRetryPolicy: true });
    await createEntry(tenant, { n: 1 });
    const before = Date.now();
    await deliveryStub(tenant.id).pump(tenant.id);
    const [delivery] = await deliveries(tenant);
    const delay = Date.parse(delivery!.nextAttemptAt!) - before;
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatus: 503 });
    expect(delay).toBeGreaterThanOrEqual(4_000 - 50);
    expect(delay).toBeLessThanOrEqual(6_000 + 500);
  });

  it("honours Retry-After (it only postpones) and then delivers", async () => {
    receiver = startReceiver((_request, index) => (index === 0 ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } }) : new Response("ok")));
    const tenant = await createTenant("ra");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    const before = Date.now();
    await deliveryStub(tenant.id).pump(tenant.id);
    const [waiting] = await deliveries(tenant);
    expect(Date.parse(waiting!.nextAttemptAt!) - before).toBeGreaterThanOrEqual(900);
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(2);
    expect((await deliveries(tenant))[0]).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("410 Gone disables the subscription: later events are held until it is saved again, then sent at once", async () => {
    let gone = true;
    receiver = startReceiver(() => (gone ? new Response("gone", { status: 410 }) : new Response("ok")));
    const tenant = await createTenant("gone");
    const id = await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    expect((await webhook(tenant, id)).disabled_reason).toMatch(/410/);
    await createEntry(tenant, { n: 2 });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(receiver.received).toHaveLength(1);
    gone = false;
    const current = await webhook(tenant, id);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "PUT", json: current })).status).toBe(204);
    // No pump from the test: the save's own nudge (queue -> consumer -> object) sends what was held.
    const deadline = Date.now() + 5_000;
    while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.json.entry_details).toEqual({ n: 2 });
  });
});

describe("deleting a subscription", () => {
  /** The tenant's deliveries by status, read from the object's storage (the deliveries API would wake a drain). */
  const statuses = (tenant: TestTenant) =>
    runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
      state.storage.sql.exec<{ status: string; last_error: string | null }>("SELECT status, last_error FROM deliveries ORDER BY position").toArray(),
    );

  it("skips the deliveries it held (after a 410) at once: the delete wakes delivery itself", async () => {
    receiver = startReceiver(() => new Response("gone", { status: 410 }));
    const tenant = await createTenant("gone-deleted");
    const id = await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    await createEntry(tenant, { n: 2 });
    await deliveryStub(tenant.id).pump(tenant.id);
    // The entry's own queue nudge has been handled by now: it cannot be what wakes delivery below.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await statuses(tenant)).map((row) => row.status)).toEqual(["dead", "pending"]);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    // No pump from the test: the delete's own nudge (queue -> consumer -> object) skips what was held.
    const deadline = Date.now() + 5_000;
    while ((await statuses(tenant))[1]!.status === "pending" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await statuses(tenant))[1]).toEqual({ status: "skipped", last_error: "subscription deleted" });
    expect(receiver.received).toHaveLength(1);
  });
});

describe("dead letters", () => {
  it("skip (default): after the last attempt the delivery is dead and the stream moves on", async () => {
    receiver = startReceiver((request) => (request.json.entry_details as { n: number }).n === 1 ? new Response("no", { status: 500 }) : new Response("ok"));
    const tenant = await createTenant("skip");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 2, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect((await deliveries(tenant)).map((item) => [item.status, item.attempts])).toEqual([
      ["dead", 2],
      ["delivered", 1],
    ]);
    expect((await deliveries(tenant, "?status=dead")).map((item) => item.eventSeq)).toHaveLength(1);
  });

  it("block: the dead letter holds its stream until an operator skips it", async () => {
    receiver = startReceiver((request) => (request.json.entry_details as { n: number }).n === 1 ? new Response("no", { status: 500 }) : new Response("ok"));
    const tenant = await createTenant("block");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 2, retryDelaysMs: [1], deadLetterPolicy: "block" });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const [blocked, held] = await deliveries(tenant);
    expect(blocked).toMatchObject({ status: "blocked", blocking: true });
    expect(held).toMatchObject({ status: "pending", attempts: 0 });
    const streams = await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).json<{ items: { blocked: boolean; pending: number; lag: number }[] }>();
    expect(streams.items[0]).toMatchObject({ blocked: true, pending: 2 });
    expect(streams.items[0]!.lag).toBeGreaterThan(0);
    const skipped = await call(tenant.slug, `/api/v1/deliveries/${blocked!.id}/skip`, { key: tenant.key, method: "POST" });
    expect(skipped.status).toBe(200);
    expect(await skipped.json()).toMatchObject({ status: "skipped" });
    await settle(tenant.id);
    expect((await deliveries(tenant)).map((item) => item.status)).toEqual(["skipped", "delivered"]);
    expect((await call(tenant.slug, `/api/v1/deliveries/${blocked!.id}/skip`, { key: tenant.key, method: "POST" })).status).toBe(409);
  });

  it("block: replaying the blocked head sends it again first, then the stream moves on in order", async () => {
    let healthy = false;
    receiver = startReceiver(() => (healthy ? new Response("ok") : new Response("no", { status: 500 })));
    const tenant = await createTenant("replay");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 1, deadLetterPolicy: "block" });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const [blocked] = await deliveries(tenant);
    healthy = true;
    const replay = await call(tenant.slug, `/api/v1/deliveries/${blocked!.id}/replay`, { key: tenant.key, method: "POST" });
    expect(replay.status).toBe(202);
    const replayed = await replay.json<Delivery>();
    expect(replayed).toMatchObject({ replayOf: blocked!.id, eventSeq: blocked!.eventSeq });
    expect(replayed.id).not.toBe(blocked!.id);
    await settle(tenant.id);
    const accepted = receiver.received.slice(1).map((request) => (request.json.entry_details as { n: number }).n);
    expect(accepted).toEqual([1, 2]);
  });

  it("bulk replay re-sends a subscription's deliveries since a seq, in order", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("bulk");
    const id = await subscribe(tenant, { url: receiver.url });
    for (const n of [1, 2, 3]) await createEntry(tenant, { n });
    await settle(tenant.id);
    const [, second] = await deliveries(tenant);
    const response = await call(tenant.slug, `/api/v1/subscriptions/${id}/replay`, { key: tenant.key, json: { since: second!.eventSeq } });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ replayed: 2 });
    await settle(tenant.id);
    expect(receiver.received.map((request) => (request.json.entry_details as { n: number }).n)).toEqual([1, 2, 3, 2, 3]);
    const byTime = await call(tenant.slug, `/api/v1/subscriptions/${id}/replay`, { key: tenant.key, json: { since: new Date(Date.now() + 60_000).toISOString() } });
    expect(await byTime.json()).toEqual({ replayed: 0 });
    const bad = await call(tenant.slug, `/api/v1/subscriptions/${id}/replay`, { key: tenant.key, json: { since: "yesterday" } });
    expect(bad.status).toBe(400);
  });
});

describe("circuit breaker", () => {
  it("opens after 10 consecutive failures, probes once after the cool-down, and closes on success", async () => {
    let healthy = false;
    receiver = startReceiver(() => (healthy ? new Response("ok") : new Response("down", { status: 502 })));
    const tenant = await createTenant("breaker");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 1 });
    for (let n = 0; n < 12; n++) await createEntry(tenant, { n });
    await deliveryStub(tenant.id).pump(tenant.id);
    // Twelve events, one attempt each, dead-lettered in turn: ten failures open the breaker, two wait behind it.
    expect(receiver.received).toHaveLength(10);
    const streams = async () => (await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).json<{ items: { breaker: string; pending: number }[] }>()).items;
    expect((await streams()).every((stream) => stream.breaker === "open")).toBe(true);
    // End the cool-down: exactly one probe goes; its success closes the breaker and the rest follow.
    await editStorage(tenant.id, (sql) => {
      const row = sql.exec<{ url: string; state: string }>("SELECT * FROM breakers").one();
      const breaker = JSON.parse(row.state) as { openUntil: number };
      breaker.openUntil = Date.now() - 1;
      sql.exec("UPDATE breakers SET state = ? WHERE url = ?", JSON.stringify(breaker), row.url);
    });
    healthy = true;
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(12);
    expect((await streams()).every((stream) => stream.breaker === "closed")).toBe(true);
  });
});

describe("circuit breaker, many streams", () => {
  it("when the probe succeeds, the URL's other streams go at once, while the drain is still busy elsewhere", async () => {
    const probeMs = 1_500;
    let probeAnsweredAt = 0;
    const brokenArrivals: number[] = [];
    receiver = startReceiver(async (request) => {
      if (!request.url.endsWith("/broken")) {
        // The healthy URL's one stream keeps the drain busy (10 × 300 ms) well past the probe's answer.
        await new Promise((resolve) => setTimeout(resolve, 300));
        return new Response("ok");
      }
      brokenArrivals.push(Date.now());
      if (brokenArrivals.length === 1) {
        // The broken URL's probe: answered late, after every record has been fanned out behind it.
        await new Promise((resolve) => setTimeout(resolve, probeMs));
        probeAnsweredAt = Date.now();
      }
      return new Response("ok");
    });
    const tenant = await createTenant("breaker-streams");
    const broken = `${receiver.url}/broken`;
    await subscribe(tenant, { url: broken, ordering: "record", timeoutMs: 5_000 });
    await subscribe(tenant, { url: `${receiver.url}/healthy` });
    // The broken URL's breaker, open after ten failures, its 60 s cool-down just over: the next send is its probe.
    await deliveryStub(tenant.id).openDeliveryCount("none");
    await runInDurableObject(deliveryStub(tenant.id), (_instance, state) => {
      const breaker = { state: "open", consecutiveFailures: 10, openedAt: Date.now() - 60_001, openUntil: Date.now() - 1 };
      state.storage.sql.exec("INSERT INTO breakers (url, state) VALUES (?, ?)", broken, JSON.stringify(breaker));
    });
    for (let n = 1; n <= 10; n++) await createEntry(tenant, { n });
    await settle(tenant.id, { maxWaitMs: 10_000 });
    // Ten records, ten streams to the broken URL: the probe, then the nine others as soon as it succeeded
    // (they had been set aside for the cool-down the half-open breaker announced, 60 s).
    expect(brokenArrivals).toHaveLength(10);
    for (const at of brokenArrivals.slice(1)) expect(at - probeAnsweredAt).toBeLessThan(500);
  });
});

describe("outbound signing and authentication", () => {
  it("after rotate-secret both the new and the old secret verify, each with the standardwebhooks package", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("rotate");
    const id = await subscribe(tenant, { url: receiver.url });
    const old = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>();
    const rotated = await call(tenant.slug, `/api/v1/subscriptions/${id}/rotate-secret`, { key: tenant.key, method: "POST" });
    expect(rotated.status).toBe(200);
    const fresh = await rotated.json<{ key: string; previousKeyExpiresAt: string }>();
    expect(fresh.key).toMatch(/^whsec_/);
    expect(Date.parse(fresh.previousKeyExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [request] = receiver.received;
    const headers = Object.fromEntries(request!.headers);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(fresh.key).verify(request!.body, headers)).toBeTruthy();
    expect(new Webhook(old.key).verify(request!.body, headers)).toBeTruthy();
    expect(() => new Webhook("whsec_" + btoa("x".repeat(32))).verify(request!.body, headers)).toThrow();
  });

  it("BASIC callback auth sends the stored credentials", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("basic");
    await subscribe(tenant, { url: receiver.url, authentication: { type: "basic", username: "Demo", password: "Demo123" } });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received[0]!.headers.get("authorization")).toBe(`Basic ${btoa("Demo:Demo123")}`);
  });

  it("IMS: logs in with the access key, caches the token, and refreshes it once on a 401", async () => {
    let tokens = 0;
    let rejectNext = false;
    receiver = startReceiver((request) => {
      if (request.url.endsWith("/ims/login")) return Response.json({ json_web_token: `token-${++tokens}` });
      if (rejectNext) {
        rejectNext = false;
        return new Response("expired", { status: 401 });
      }
      return new Response("ok");
    });
    const tenant = await createTenant("ims");
    await subscribe(tenant, {
      url: receiver.url,
      authentication: { type: "IMS", accessKey: "AK", accessSecretKey: "SECRET", tenantId: "42", authBaseUrl: receiver.url, authAccessTokenPath: "/ims/login", authHeaderTokenName: "IMS-JWT" },
    });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const login = receiver.received.filter((request) => request.url.endsWith("/ims/login"));
    expect(login).toHaveLength(1);
    expect(login[0]!.json).toEqual({ access_key: "AK", access_secret_key: "SECRET", tenant_id: "42" });
    const callbacks = receiver.received.filter((request) => !request.url.endsWith("/ims/login"));
    expect(callbacks.map((request) => request.headers.get("authorization"))).toEqual(["IMS-JWT token-1", "IMS-JWT token-1"]);
    rejectNext = true;
    await createEntry(tenant, { n: 3 });
    await settle(tenant.id);
    const last = receiver.received.slice(-3).map((request) => [request.url.endsWith("/ims/login") ? "login" : "callback", request.headers.get("authorization")]);
    expect(last).toEqual([
      ["callback", "IMS-JWT token-1"],
      ["login", null],
      ["callback", "IMS-JWT token-2"],
    ]);
    const attempts = await (await shardOf(tenant.id)).prepare("SELECT error, response_excerpt FROM delivery_attempts WHERE tenant_id = ?").bind(tenant.id).all();
    expect(JSON.stringify(attempts.results)).not.toContain("SECRET");
  });

  it("the SSRF guard refuses loopback and plain http outside development; nothing is sent", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("ssrf");
    await subscribe(tenant, { url: "http://127.0.0.1:9/hook", maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(0);
    const [delivery] = await deliveries(tenant);
    expect(delivery).toMatchObject({ status: "dead" });
    expect(delivery!.lastError).toMatch(/SSRF guard/);
  });
});

describe("deliveries API", () => {
  it("shows a delivery with its attempts, response excerpts capped at 1 KiB", async () => {
    receiver = startReceiver((_request, index) => (index === 0 ? new Response("x".repeat(5000), { status: 500 }) : new Response("thanks")));
    const tenant = await createTenant("api");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [item] = await deliveries(tenant);
    const detail = await (await call(tenant.slug, `/api/v1/deliveries/${item!.id}`, { key: tenant.key })).json<{ attemptLog: { attempt: number; statusCode: number; responseExcerpt: string }[] }>();
    expect(detail.attemptLog.map((entry) => [entry.attempt, entry.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(detail.attemptLog[0]!.responseExcerpt).toHaveLength(1024);
    expect(detail.attemptLog[1]!.responseExcerpt).toBe("thanks");
  });

  it("save & test sends a test event now and returns the attempt", async () => {
    receiver = startReceiver(() => new Response("pong", { status: 202 }));
    const tenant = await createTenant("test");
    const id = await subscribe(tenant, { url: receiver.url });
    const response = await call(tenant.slug, `/api/v1/subscriptions/${id}/test`, { key: tenant.key, method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ statusCode: 202, responseExcerpt: "pong", error: null });
    expect(receiver.received[0]!.json).toMatchObject({ webhook_id: id, entry_event: "test" });
    expect((await call(tenant.slug, "/api/v1/subscriptions/WBH999999999999/test", { key: tenant.key, method: "POST" })).status).toBe(404);
  });

  it("answers while a callback is still out: reading never waits on a drain", async () => {
    let answer = false;
    receiver = startReceiver(async () => {
      // Polled in the object's own context; the test flips it only after its reads came back.
      while (!answer) await new Promise((resolve) => setTimeout(resolve, 5));
      return new Response("ok");
    });
    const tenant = await createTenant("slowcb");
    await subscribe(tenant, { url: receiver.url, timeoutMs: 30_000 });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    const drain = deliveryStub(tenant.id).pump(tenant.id);
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const outOfTime = new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 3_000));
    const read = async (path: string) => (await call(tenant.slug, path, { key: tenant.key })).json<{ items: { pending?: number; status?: string }[] }>();
    const answers = await Promise.race([Promise.all([read("/api/v1/streams"), read("/api/v1/deliveries")]), outOfTime]);
    answer = true;
    await drain;
    expect(answers).not.toBe("waited");
    const [streams, listed] = answers as Awaited<ReturnType<typeof read>>[];
    expect(streams!.items).toMatchObject([{ pending: 2 }]);
    expect(listed!.items.map((item) => item.status)).toEqual(["inflight", "pending"]);
  });

  it("keeps tenants apart and requires a key", async () => {
    receiver = startReceiver();
    const a = await createTenant("a");
    const b = await createTenant("b");
    const id = await subscribe(a, { url: receiver.url });
    await createEntry(a, { n: 1 });
    await settle(a.id);
    const [item] = await deliveries(a);
    expect((await call(b.slug, `/api/v1/deliveries/${item!.id}`, { key: b.key })).status).toBe(404);
    expect((await call(b.slug, `/api/v1/deliveries/${item!.id}/replay`, { key: b.key, method: "POST" })).status).toBe(404);
    expect(await deliveries(b)).toEqual([]);
    expect((await call(b.slug, `/api/v1/subscriptions/${id}/rotate-secret`, { key: b.key, method: "POST" })).status).toBe(404);
    expect((await call(b.slug, `/api/v1/subscriptions/${id}/secret`, { key: b.key })).status).toBe(404);
    expect((await call(a.slug, "/api/v1/deliveries", { key: b.key })).status).toBe(401);
    expect((await call(a.slug, "/api/v1/streams", {})).status).toBe(401);
    expect((await call(a.slug, `/api/v1/deliveries/${item!.id}`, { key: a.key })).status).toBe(200);
  });

  it("thin events carry only {id, entityType, eventType, timestamp, url}; the receiver follows them to the entity", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("thin");
    await subscribe(tenant, { url: receiver.url, format: "thin", form: "User" });
    const id = await createEntry(tenant, { email: "ann@example.com" }, "User");
    await updateEntry(tenant, id, { email: "ann@corp.example" }, "User");
    await settle(tenant.id);
    expect(receiver.received.map((request) => Object.keys(request.json).sort())).toEqual([
      ["entityType", "eventType", "id", "timestamp", "url"],
      ["entityType", "eventType", "id", "timestamp", "url"],
    ]);
    expect(receiver.received.map((request) => [request.json.entityType, request.json.eventType])).toEqual([
      ["USER", "CREATE"],
      ["USER", "UPDATE"],
    ]);
    const { entityType, id: receivedId } = receiver.received[0]!.json as { entityType: string; id: string };
    const entity = await call(tenant.slug, `/api/v1/records/${encodeURIComponent(entityType)}/${receivedId}`, { key: tenant.key });
    expect(await entity.json()).toMatchObject({ data: { email: "ann@corp.example" } });
  });
});
