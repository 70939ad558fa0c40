/**
 * The sealed password of a changePassword leaves KV however its delivery ends: an operator's skip, an erasure of
 * the user (which takes its provisionings too), a dead letter for an attempt whose outcome was lost; and a replay
 * once it is gone is refused up front.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, envelope, shardOf, type TestTenant } from "../helpers";
import { deliveryStub, enginePorts, listDeliveries, settle, startReceiver, type Answer, type Receiver } from "../delivery/harness";
import { configureHooks, createUser, hookOf, sealedPasswords, waitFor } from "./user-harness";
import { DEFAULT_MAX_ATTEMPTS } from "../../src/delivery/retry-policy";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const PASSWORD = "Welcome@123-ends-Kx7";

/** changePassword fails (500: retried in about 5 s); policyMap and preProvision answer as a tenant's platform would. */
const failingPasswordHook: Answer = (request) => {
  const hook = hookOf(request.url);
  if (hook === "changePassword") return new Response("try later", { status: 500 });
  if (hook === "policyMap") return Response.json({ response: { mappedValue: "valid" } });
  if (hook === "preProvision") return Response.json({ response: { data: (request.json.request as { user: unknown }).user } });
  return Response.json({ response: {} });
};

/** A user with one password change whose first attempt failed: its delivery is pending, its password sealed. */
async function pendingPasswordChange(tenant: TestTenant, hooks = ["changePassword"]): Promise<{ userId: string; deliveryId: string }> {
  await configureHooks(tenant, receiver!, hooks);
  const userId = await createUser(tenant);
  expect((await call(tenant.slug, `/api/v1/users/${userId}/password`, { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
  await waitFor(() => receiver!.received.some((request) => hookOf(request.url) === "changePassword"));
  await waitFor(async () => (await listDeliveries(tenant)).some((item) => item.status === "pending" && item.attempts === 1));
  const [delivery] = await listDeliveries(tenant);
  expect(await sealedPasswords(tenant.id)).toHaveLength(1);
  return { userId, deliveryId: delivery!.id };
}

/**
 * Time moves on to the delivery's next attempt: `attempts` spent so far and the attempt due now; the alarm the
 * engine set for it fires (set to now, as the passing time would). The heads are read again, as after editStorage.
 */
const moveTimeOn = (tenantId: string, deliveryId: string, attempts: number) =>
  runInDurableObject(deliveryStub(tenantId), async (instance: TenantDelivery, state) => {
    state.storage.sql.exec("UPDATE deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?", attempts, Date.now(), deliveryId);
    (instance.engine as unknown as { drain: { heads: { invalidate(): void } } }).drain.heads.invalidate();
    await state.storage.setAlarm(Date.now());
  });

describe("a changePassword's sealed password leaves KV however its delivery ends", () => {
  it("an operator's skip deletes it", async () => {
    receiver = startReceiver(failingPasswordHook);
    const tenant = await createTenant("pw-skip");
    const { deliveryId } = await pendingPasswordChange(tenant);
    const skipped = await call(tenant.slug, `/api/v1/deliveries/${deliveryId}/skip`, { key: tenant.key, method: "POST" });
    expect(skipped.status).toBe(200);
    expect((await skipped.json<{ status: string }>()).status).toBe("skipped");
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
  });

  it("erasing the user deletes it with the user's provisionings; its pending delivery is skipped", async () => {
    receiver = startReceiver(failingPasswordHook);
    const tenant = await createTenant("pw-erase");
    const { userId, deliveryId } = await pendingPasswordChange(tenant, ["changePassword", "policyMap", "preProvision"]);
    const provisioning = {
      applicationId: "620231fee789224ec1cec3dd",
      roleList: [],
      action: "add",
      policyMap: { targetAttribute: "email", cymmetrifield: "email", defaultValue: "", formVeriable: "" },
    };
    expect((await call(tenant.slug, `/api/v1/users/${userId}/provisioning`, { key: tenant.key, json: provisioning })).status).toBe(201);
    const shard = await shardOf(tenant.id);
    const provisionings = async () => (await shard.prepare("SELECT id FROM provisionings WHERE tenant_id = ?").bind(tenant.id).all()).results;
    expect(await provisionings()).toHaveLength(1);

    expect((await call(tenant.slug, `/api/v1/records/User/${userId}?erase=true`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await provisionings()).toEqual([]);
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
    const delivery = await (await call(tenant.slug, `/api/v1/deliveries/${deliveryId}`, { key: tenant.key })).json<{ status: string; lastError: string }>();
    expect(delivery).toMatchObject({ status: "skipped", lastError: "record erased" });
  });

  it("the engine's part of an erasure alone deletes it too: the delivery it closes as erased held the reference", async () => {
    receiver = startReceiver(failingPasswordHook);
    const tenant = await createTenant("pw-erase-engine");
    const { deliveryId } = await pendingPasswordChange(tenant);
    const [delivery] = await listDeliveries(tenant);
    // What an erasure run again asks of the engine (its D1 part already done, the events tombstones).
    await deliveryStub(tenant.id).eraseEvents(tenant.id, [delivery!.eventSeq]);
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
    expect((await listDeliveries(tenant)).find((item) => item.id === deliveryId)).toMatchObject({ status: "skipped", lastError: "record erased" });
  });

  it("erasing the user deletes the password of a change the engine has not fanned out yet (it never will: a tombstone)", async () => {
    receiver = startReceiver(failingPasswordHook);
    const tenant = await createTenant("pw-erase-early");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const userId = await createUser(tenant);
    // The engine cannot read the event feed for now: the change stays unread.
    let readable = false;
    await runInDurableObject(deliveryStub(tenant.id), (instance: TenantDelivery) => {
      const controlPlane = enginePorts(instance).controlPlane;
      const eventsAfter = controlPlane.eventsAfter.bind(controlPlane);
      controlPlane.eventsAfter = async (...args) => {
        if (!readable) throw new Error("D1 unavailable (test)");
        return eventsAfter(...args);
      };
    });
    expect((await call(tenant.slug, `/api/v1/users/${userId}/password`, { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
    expect(await sealedPasswords(tenant.id)).toHaveLength(1);
    expect((await call(tenant.slug, `/api/v1/records/User/${userId}?erase=true`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await sealedPasswords(tenant.id)).toEqual([]);
    readable = true;
    await settle(tenant.id);
    expect(await listDeliveries(tenant)).toEqual([]);
    expect(receiver.received.filter((request) => hookOf(request.url) === "changePassword")).toEqual([]);
  });

  it("a dead letter for a last attempt whose outcome was lost (the object died during it) deletes it", async () => {
    receiver = startReceiver(failingPasswordHook);
    const tenant = await createTenant("pw-lost");
    const { deliveryId } = await pendingPasswordChange(tenant);
    // The object made its last attempt and died before recording it: every attempt is spent, and the retry time
    // its in-flight mark set has come.
    await moveTimeOn(tenant.id, deliveryId, DEFAULT_MAX_ATTEMPTS);
    await waitFor(async () => (await listDeliveries(tenant)).some((item) => item.id === deliveryId && item.status === "dead"));
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
    expect(receiver.received.filter((request) => hookOf(request.url) === "changePassword")).toHaveLength(1);
  });
});

describe("POST /api/v1/deliveries/{id}/replay of a changePassword", () => {
  it("once delivered (its password deleted): 409 CONFLICT, nothing queued", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pw-replay");
    await configureHooks(tenant, receiver, ["changePassword"]);
    const userId = await createUser(tenant);
    expect((await call(tenant.slug, `/api/v1/users/${userId}/password`, { key: tenant.key, json: { passwordText: PASSWORD } })).status).toBe(202);
    await waitFor(async () => (await listDeliveries(tenant)).some((item) => item.status === "delivered"));
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
    const [delivered] = await listDeliveries(tenant);

    const replay = await call(tenant.slug, `/api/v1/deliveries/${delivered!.id}/replay`, { key: tenant.key, method: "POST" });
    expect(replay.status).toBe(409);
    const { error } = await envelope(replay);
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("the password of this change is no longer stored; send a new password change");
    expect((await listDeliveries(tenant)).map((item) => item.id)).toEqual([delivered!.id]);
    expect(receiver.received).toHaveLength(1);
  });

  it("while the change is still pending: 202; the password stays until the original and the replay have both ended", async () => {
    // Attempts alternate: the original fails, then succeeds; the replay fails, then succeeds.
    receiver = startReceiver((_request, index) => new Response(index % 2 === 0 ? "try later" : "ok", { status: index % 2 === 0 ? 500 : 200 }));
    const tenant = await createTenant("pw-replay-open");
    const { deliveryId } = await pendingPasswordChange(tenant);
    const replay = await call(tenant.slug, `/api/v1/deliveries/${deliveryId}/replay`, { key: tenant.key, method: "POST" });
    expect(replay.status).toBe(202);
    const replayId = (await replay.json<{ id: string }>()).id;
    // The replay queues behind the original, whose retry comes: the original is delivered, the replay fails once.
    await moveTimeOn(tenant.id, deliveryId, 1);
    await waitFor(async () => (await listDeliveries(tenant)).some((item) => item.id === replayId && item.status === "pending" && item.attempts === 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sealedPasswords(tenant.id)).toHaveLength(1);
    await moveTimeOn(tenant.id, replayId, 1);
    await waitFor(() => receiver!.received.length === 4);
    for (const request of receiver.received) expect((request.json.request as { passwordText: string }).passwordText).toBe(PASSWORD);
    await waitFor(async () => (await sealedPasswords(tenant.id)).length === 0);
  });
});
