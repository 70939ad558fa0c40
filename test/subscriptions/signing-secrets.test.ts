/**
 * Signing secret rotation: every replaced secret keeps signing until its own promised expiry, however many
 * rotations follow inside the overlap, checked the way receivers check it (the standardwebhooks package).
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { SECRET_ROTATION_OVERLAP_MS } from "../../src/outbound/signing";
import { secretStore } from "../../src/secrets/secret-store";
import { rotateSigningSecret } from "../../src/subscriptions/signing-secrets";
import { ADMIN_ACTOR } from "../../src/audit/actor";
import { call, createTenant, type TestTenant } from "../helpers";
import migration0007 from "../../migrations/0007_previous_signing_secrets.sql?raw";
import { createEntry, settle, startReceiver, subscribe, type Received, type Receiver } from "../delivery/harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const secretOf = async (tenant: TestTenant, id: string) =>
  (await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>()).key;

const rotate = async (tenant: TestTenant, id: string) => {
  const response = await call(tenant.slug, `/api/v1/subscriptions/${id}/rotate-secret`, { key: tenant.key, method: "POST" });
  expect(response.status).toBe(200);
  return response.json<{ key: string; previousKeyExpiresAt: string }>();
};

/** Whether a receiver holding `secret` accepts the delivery. */
const verifies = (secret: string, request: Received): boolean => {
  try {
    new Webhook(secret).verify(request.body, Object.fromEntries(request.headers));
    return true;
  } catch {
    return false;
  }
};

const previousSecrets = async (tenant: TestTenant, id: string) => {
  const row = await env.DB.prepare("SELECT previous_signing_secrets FROM subscriptions WHERE tenant_id = ? AND id = ?").bind(tenant.id, id).first<{ previous_signing_secrets: string }>();
  return JSON.parse(row!.previous_signing_secrets) as { ref: string; expiresAt: number }[];
};

describe("signing secret rotation", () => {
  it("rotating twice inside the overlap: a receiver still verifying with the first secret accepts the delivery", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("rotate2");
    const id = await subscribe(tenant, { url: receiver.url });
    const first = await secretOf(tenant, id);
    const second = await rotate(tenant, id);
    const third = await rotate(tenant, id);
    expect(Date.parse(third.previousKeyExpiresAt) - Date.parse(second.previousKeyExpiresAt)).toBeGreaterThanOrEqual(0);
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [request] = receiver.received;
    expect(request!.headers.get("webhook-signature")!.split(" ")).toHaveLength(3);
    for (const secret of [first, second.key, third.key]) expect(verifies(secret, request!)).toBe(true);
    expect(await secretOf(tenant, id)).toBe(third.key);
  });

  it("each replaced secret signs until its own expiry, then stops; the next rotation deletes it", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("rotate-exp");
    const id = await subscribe(tenant, { url: receiver.url });
    const db = database(env.DB);
    const store = secretStore(env);
    const first = await secretOf(tenant, id);
    // The first rotation happened almost 24 h ago: the first secret has 3 s of its overlap left.
    const now = Date.now();
    const second = await rotateSigningSecret(db, store, tenant.id, id, ADMIN_ACTOR, now - SECRET_ROTATION_OVERLAP_MS + 3_000);
    const third = await rotateSigningSecret(db, store, tenant.id, id, ADMIN_ACTOR, now);
    const [firstEntry, secondEntry] = await previousSecrets(tenant, id);
    expect(firstEntry!.expiresAt).toBe(now + 3_000);
    expect(secondEntry!.expiresAt).toBe(now + SECRET_ROTATION_OVERLAP_MS);

    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect([first, second.key, third.key].map((secret) => verifies(secret, receiver!.received[0]!))).toEqual([true, true, true]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, now + 3_100 - Date.now())));
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const late = receiver.received[1]!;
    expect(late.headers.get("webhook-signature")!.split(" ")).toHaveLength(2);
    expect([first, second.key, third.key].map((secret) => verifies(secret, late))).toEqual([false, true, true]);

    expect(await store.get(tenant.id, firstEntry!.ref)).not.toBeNull();
    const fourth = await rotate(tenant, id);
    expect(await store.get(tenant.id, firstEntry!.ref)).toBeNull();
    expect(await store.get(tenant.id, secondEntry!.ref)).not.toBeNull();
    expect((await previousSecrets(tenant, id)).map((entry) => entry.ref)).toEqual([secondEntry!.ref, expect.any(String)]);
    expect(fourth.key).toBe(await secretOf(tenant, id));
  });

  it("deleting the subscription deletes every secret it kept", async () => {
    const tenant = await createTenant("rotate-del");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    await rotate(tenant, id);
    await rotate(tenant, id);
    const refs = (await previousSecrets(tenant, id)).map((entry) => entry.ref);
    expect(refs).toHaveLength(2);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    for (const ref of refs) expect(await secretStore(env).get(tenant.id, ref)).toBeNull();
  });

  it("migration 0007 moves the one previous secret of rows rotated before it into the list, with its expiry", async () => {
    const tenant = await createTenant("rotate-mig");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const expiresAt = Date.now() + 3_600_000;
    await env.DB.prepare(
      "UPDATE subscriptions SET previous_signing_secret_ref = 'secret:old', previous_signing_secret_expires_at = ?, previous_signing_secrets = '[]' WHERE tenant_id = ? AND id = ?",
    )
      .bind(expiresAt, tenant.id, id)
      .run();
    const [, update] = migration0007.split("--> statement-breakpoint");
    await env.DB.prepare(update!).run();
    expect(await previousSecrets(tenant, id)).toEqual([{ ref: "secret:old", expiresAt }]);
  });
});
