/**
 * Operational events from the delivery engine: raised with the outcome that causes them, sent on their own
 * stream to the tenant's (and the platform's) operational webhook, Standard Webhooks-signed with the webhook's
 * own secret, filtered by its `events`, recorded for GET /api/v1/operational-events whether or not a webhook is
 * set; and never raised by an operational delivery's own failures.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { admin, call, createTenant, type TestTenant } from "../helpers";
import { runSyncLifecycleHooks } from "../../src/lifecycle/sync-hooks";
import { DEFAULT_MAX_ATTEMPTS } from "../../src/delivery/retry-policy";
import { createEntry, editStorage, listDeliveries, settle, startReceiver, subscribe, type Received, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

interface OperationalBody {
  type: string;
  timestamp: string;
  tenant: string;
  data: Record<string, unknown>;
}

const OPS_PATH = "/ops";

/** One receiver for both: the subscription's callback answers `callback`; the operational webhook (under /ops) `ops`. */
function receivers(callback: (index: number) => Response, ops: () => Response = () => new Response("ok")) {
  let callbacks = 0;
  receiver = startReceiver((request) => (new URL(request.url).pathname.endsWith(OPS_PATH) ? ops() : callback(callbacks++)));
  const all = receiver;
  return {
    callbackUrl: all.url,
    opsUrl: `${all.url}${OPS_PATH}`,
    ops: () => all.received.filter((request) => new URL(request.url).pathname.endsWith(OPS_PATH)),
  };
}

async function setOperationalWebhook(tenant: TestTenant, url: string, events?: string[]): Promise<string> {
  const put = await call(tenant.slug, "/api/v1/operational-webhook", { key: tenant.key, method: "PUT", json: events ? { url, events } : { url } });
  expect(put.status).toBe(200);
  return (await (await call(tenant.slug, "/api/v1/operational-webhook/secret", { key: tenant.key })).json<{ secret: string }>()).secret;
}

/** Verifies the request with the standardwebhooks library and returns its body. */
function verified(request: Received, secret: string): OperationalBody {
  const headers = Object.fromEntries(["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, request.headers.get(name) ?? ""]));
  return new Webhook(secret).verify(request.body, headers) as OperationalBody;
}

async function recorded(tenant: TestTenant, count: number): Promise<{ type: string; data: Record<string, unknown> }[]> {
  for (let tries = 0; ; tries++) {
    const { items } = await (await call(tenant.slug, "/api/v1/operational-events?limit=200", { key: tenant.key })).json<{ items: { type: string; data: Record<string, unknown> }[] }>();
    if (items.length >= count || tries > 100) return items;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("operational webhooks from the engine", () => {
  it("a 500 with maxAttempts 1 sends a signed delivery.dead_lettered, verifiable with the webhook's secret, and records it", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-dead");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const subscriptionId = await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [sent] = hooks.ops();
    expect(hooks.ops()).toHaveLength(1);
    const body = verified(sent!, secret);
    expect(body).toMatchObject({ type: "delivery.dead_lettered", tenant: tenant.slug, data: { subscriptionId, eventSeq: 1, attempts: 1, lastStatus: 500 } });
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.data.deliveryId).toMatch(/^msg_1_/);
    expect(sent!.headers.get("webhook-id")).toMatch(/^msg_ops\d+_tenant$/);
    const [event] = await recorded(tenant, 1);
    expect(event).toMatchObject({ type: "delivery.dead_lettered", data: { subscriptionId, deliveryId: body.data.deliveryId } });
  });

  it("records events with no webhook set, sends nothing; the events filter leaves out the types not asked for", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-filter");
    await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect((await recorded(tenant, 1)).map((event) => event.type)).toEqual(["delivery.dead_lettered"]);
    await setOperationalWebhook(tenant, hooks.opsUrl, ["subscription.disabled"]);
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    expect((await recorded(tenant, 2)).map((event) => event.type)).toEqual(["delivery.dead_lettered", "delivery.dead_lettered"]);
    expect(hooks.ops()).toHaveLength(0);
  });

  it("a dead letter under the block policy also raises stream.blocked, in order", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-block");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const subscriptionId = await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1, deadLetterPolicy: "block" });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const bodies = hooks.ops().map((request) => verified(request, secret));
    expect(bodies.map((body) => body.type)).toEqual(["delivery.dead_lettered", "stream.blocked"]);
    expect(bodies[1]!.data).toMatchObject({ subscriptionId, eventSeq: 1 });
  });

  it("410 Gone raises subscription.disabled with the reason", async () => {
    const hooks = receivers(() => new Response("gone", { status: 410 }));
    const tenant = await createTenant("ops-gone");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const subscriptionId = await subscribe(tenant, { url: hooks.callbackUrl });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const types = hooks.ops().map((request) => verified(request, secret));
    const disabled = types.find((body) => body.type === "subscription.disabled");
    expect(disabled?.data).toMatchObject({ subscriptionId, reason: expect.stringMatching(/410/) });
  });

  it("ten failures in a row raise subscription.circuit_opened; the first success after a dead letter raises subscription.recovered", async () => {
    let failing = true;
    const hooks = receivers(() => (failing ? new Response("boom", { status: 500 }) : new Response("ok")));
    const tenant = await createTenant("ops-breaker");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const subscriptionId = await subscribe(tenant, { url: hooks.callbackUrl, retryDelaysMs: [1], maxAttempts: 10 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const first = hooks.ops().map((request) => verified(request, secret).type);
    expect(first).toEqual(["delivery.dead_lettered", "subscription.circuit_opened"]);
    // The cool-down ends now: the next event's delivery is the probe, and it succeeds.
    failing = false;
    await editStorage(tenant.id, (sql) => {
      const row = sql.exec<{ url: string; state: string }>("SELECT url, state FROM breakers").toArray().find((breaker) => breaker.url === hooks.callbackUrl)!;
      sql.exec("UPDATE breakers SET state = ? WHERE url = ?", JSON.stringify({ ...JSON.parse(row.state), openUntil: Date.now() - 1 }), row.url);
    });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const bodies = hooks.ops().map((request) => verified(request, secret));
    expect(bodies.map((body) => body.type)).toEqual(["delivery.dead_lettered", "subscription.circuit_opened", "subscription.recovered"]);
    expect(bodies[2]!.data).toMatchObject({ subscriptionId, eventSeq: 2 });
    // Recovered once: a later success raises nothing.
    await createEntry(tenant, { n: 3 });
    await settle(tenant.id);
    expect(hooks.ops()).toHaveLength(3);
  });

  it("the operational delivery's own failures raise nothing, even when it is dead-lettered", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }), () => new Response("ops down", { status: 500 }));
    const tenant = await createTenant("ops-self");
    await setOperationalWebhook(tenant, hooks.opsUrl);
    await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id, { maxWaitMs: 300 }).catch(() => undefined);
    expect(hooks.ops().length).toBeGreaterThanOrEqual(1);
    // Its last attempt, due now: it fails and is dead-lettered.
    await editStorage(tenant.id, (sql) => sql.exec("UPDATE deliveries SET attempts = ?, next_attempt_at = 0 WHERE subscription_id = 'ops:tenant' AND status = 'pending'", DEFAULT_MAX_ATTEMPTS - 1));
    await settle(tenant.id);
    const ops = (await listDeliveries(tenant)).filter((delivery) => delivery.subscriptionId === "ops:tenant");
    expect(ops.map((delivery) => delivery.status)).toEqual(["dead"]);
    expect((await recorded(tenant, 1)).map((event) => event.type)).toEqual(["delivery.dead_lettered"]);
  });

  it("the platform webhook receives every tenant's events with the tenant's slug, signed with the platform secret", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-platform");
    expect((await admin("/admin/v1/operational-webhook", { method: "PUT", json: { url: hooks.opsUrl, events: ["delivery.dead_lettered"] } })).status).toBe(200);
    try {
      const secret = (await (await admin("/admin/v1/operational-webhook/secret")).json<{ secret: string }>()).secret;
      await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
      await createEntry(tenant, { n: 1 });
      await settle(tenant.id);
      const [sent] = hooks.ops();
      expect(verified(sent!, secret)).toMatchObject({ type: "delivery.dead_lettered", tenant: tenant.slug });
      expect(sent!.headers.get("webhook-id")).toMatch(/_platform$/);
    } finally {
      expect((await admin("/admin/v1/operational-webhook", { method: "DELETE" })).status).toBe(204);
    }
  });

  it("a synchronous lifecycle hook that is unavailable raises lifecycle_hook.failed without delaying the answer", async () => {
    const hooks = receivers(() => new Response("down", { status: 500 }));
    const tenant = await createTenant("ops-sync-hook");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const configured = await call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json: { baseUrl: hooks.callbackUrl, token: "t", enabled: ["validateUser"], onTimeout: "allow" } });
    expect(configured.status).toBe(200);
    const result = await runSyncLifecycleHooks(env, tenant.id, "create", { employee_id: "1", first_name: "A", last_name: "B", email: "a@corp.example" });
    expect(result.warnings).toHaveLength(1);
    const [event] = await recorded(tenant, 1);
    expect(event).toMatchObject({ type: "lifecycle_hook.failed", data: { hook: "validateUser", reason: "unavailable" } });
    await settle(tenant.id, { wake: false });
    const [sent] = hooks.ops();
    expect(verified(sent!, secret)).toMatchObject({ type: "lifecycle_hook.failed", tenant: tenant.slug, data: { hook: "validateUser", reason: "unavailable" } });
  });

  it("a lifecycle post hook dead-lettered raises lifecycle_hook.failed", async () => {
    const hooks = receivers(() => new Response("down", { status: 500 }));
    const tenant = await createTenant("ops-post-hook");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const configured = await call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json: { baseUrl: hooks.callbackUrl, token: "t", enabled: ["postCreateUser"] } });
    expect(configured.status).toBe(200);
    await createEntry(tenant, { first_name: "Ann", last_name: "Lee", email: "ann@corp.example", employee_id: "1111" }, "User");
    await settle(tenant.id, { maxWaitMs: 300 }).catch(() => undefined);
    // Its last attempt, due now.
    await editStorage(tenant.id, (sql) => sql.exec("UPDATE deliveries SET attempts = ?, next_attempt_at = 0 WHERE subscription_id = 'lifecycle' AND status = 'pending'", DEFAULT_MAX_ATTEMPTS - 1));
    await settle(tenant.id);
    const [sent] = hooks.ops();
    expect(verified(sent!, secret)).toMatchObject({ type: "lifecycle_hook.failed", data: { hook: "postCreateUser", reason: "dead_lettered", eventSeq: 1 } });
  });

  it("operational events go out in the order they were raised, on the tenant's operational stream", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-order");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl, ["delivery.dead_lettered"]);
    await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
    for (const n of [1, 2, 3]) await createEntry(tenant, { n });
    await settle(tenant.id);
    expect(hooks.ops().map((request) => verified(request, secret).data.eventSeq)).toEqual([1, 2, 3]);
  });

  it("a delivery whose last attempt's outcome was lost (the object died) is dead-lettered with delivery.dead_lettered too", async () => {
    const hooks = receivers(() => new Response("boom", { status: 500 }));
    const tenant = await createTenant("ops-giveup");
    const secret = await setOperationalWebhook(tenant, hooks.opsUrl);
    const subscriptionId = await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 3, retryDelaysMs: [60_000] });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id, { maxWaitMs: 300 }).catch(() => undefined);
    expect(hooks.ops()).toHaveLength(0);
    // Every attempt made, the last one's outcome unknown: the next look gives up on it.
    await editStorage(tenant.id, (sql) => sql.exec("UPDATE deliveries SET attempts = 3, status = 'pending', next_attempt_at = 0 WHERE subscription_id = ?", subscriptionId));
    await settle(tenant.id);
    const [sent] = hooks.ops();
    expect(verified(sent!, secret)).toMatchObject({ type: "delivery.dead_lettered", data: { subscriptionId, eventSeq: 1, attempts: 3 } });
  });

  it("after a rotation both the new and the replaced secret verify; a removed webhook skips what was still owed", async () => {
    let opsUp = true;
    const hooks = receivers(() => new Response("boom", { status: 500 }), () => (opsUp ? new Response("ok") : new Response("down", { status: 503 })));
    const tenant = await createTenant("ops-rotate");
    const old = await setOperationalWebhook(tenant, hooks.opsUrl);
    const rotated = await (await call(tenant.slug, "/api/v1/operational-webhook/secret/rotate", { key: tenant.key, method: "POST" })).json<{ secret: string }>();
    await subscribe(tenant, { url: hooks.callbackUrl, maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [sent] = hooks.ops();
    expect(verified(sent!, rotated.secret).type).toBe("delivery.dead_lettered");
    expect(verified(sent!, old).type).toBe("delivery.dead_lettered");

    opsUp = false;
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id, { maxWaitMs: 300 }).catch(() => undefined);
    expect((await call(tenant.slug, "/api/v1/operational-webhook", { key: tenant.key, method: "DELETE" })).status).toBe(204);
    await editStorage(tenant.id, (sql) => sql.exec("UPDATE deliveries SET next_attempt_at = 0 WHERE subscription_id = 'ops:tenant' AND status = 'pending'"));
    await settle(tenant.id);
    const ops = (await listDeliveries(tenant)).filter((delivery) => delivery.subscriptionId === "ops:tenant");
    expect(ops.map((delivery) => delivery.status)).toEqual(["delivered", "skipped"]);
  });
});
