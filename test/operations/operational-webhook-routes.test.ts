/**
 * The operational webhook routes, tenant (`/api/v1/operational-webhook`, scope api) and platform
 * (`/admin/v1/operational-webhook`, admin token): PUT/GET/DELETE, the secret and its rotation, validation,
 * security and races.
 */
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { admin, call, createApiKey, createTenant, envelope } from "../helpers";
import { auditLog } from "../audit/audit-helpers";
import { operationalEventTypes } from "../../src/db/schema";

const ROUTE = "/api/v1/operational-webhook";
const URL_A = "https://ops.example.com/hook";

interface View {
  url: string;
  events: string[];
  createdAt: string;
  updatedAt: string;
}

describe("tenant operational webhook", () => {
  it("PUT stores url and events (left out: all), GET reads it, a second PUT replaces it and keeps the secret, DELETE removes it", async () => {
    const tenant = await createTenant("ops-hook");
    const put = await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json: { url: URL_A } });
    expect(put.status).toBe(200);
    expect(await put.json<View>()).toMatchObject({ url: URL_A, events: [...operationalEventTypes] });
    const secret = (await (await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).json<{ secret: string }>()).secret;
    expect(secret).toMatch(/^whsec_/);

    const replaced = await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json: { url: "https://other.example.com/x", events: ["stream.blocked", "delivery.dead_lettered", "stream.blocked"] } });
    expect(replaced.status).toBe(200);
    const view = await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<View>();
    expect(view).toMatchObject({ url: "https://other.example.com/x", events: ["stream.blocked", "delivery.dead_lettered"] });
    expect((await (await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).json<{ secret: string }>()).secret).toBe(secret);

    expect((await call(tenant.slug, ROUTE, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    const gone = await call(tenant.slug, ROUTE, { key: tenant.key });
    expect(gone.status).toBe(404);
    expect((await envelope(gone)).error.code).toBe("NOT_FOUND");
    expect((await call(tenant.slug, ROUTE, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect((await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).status).toBe(404);
    const actions = (await auditLog(tenant)).map((entry) => entry.action);
    expect(actions.slice(0, 3)).toEqual(["operational_webhook.deleted", "operational_webhook.saved", "operational_webhook.saved"]);
    expect((await call(tenant.slug, `${ROUTE}/secret/rotate`, { key: tenant.key, method: "POST" })).status).toBe(404);
  });

  it("answers 400 for an unknown event type (naming it), an empty list, a bad or private URL, unknown fields, and changes nothing", async () => {
    const tenant = await createTenant("ops-hook-400");
    await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json: { url: URL_A, events: ["stream.blocked"] } });
    const unknown = await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json: { url: URL_A, events: ["stream.blocked", "delivery.exploded"] } });
    expect(unknown.status).toBe(400);
    const body = await envelope(unknown);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(body.error.details)).toContain("delivery.exploded");
    for (const json of [{ url: URL_A, events: [] }, { url: "not a url" }, { url: "ftp://ops.example.com/x" }, { url: "https://169.254.169.254/latest" }, { url: URL_A, extra: 1 }, { events: ["stream.blocked"] }]) {
      const response = await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json });
      expect(response.status, JSON.stringify(json)).toBe(400);
    }
    expect((await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", body: "{", contentType: "application/json" })).status).toBe(400);
    expect(await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<View>()).toMatchObject({ url: URL_A, events: ["stream.blocked"] });
  });

  it("answers 401 without a key, with a wrong key or another tenant's key, 403 without the api scope; one tenant's webhook is not another's", async () => {
    const a = await createTenant("ops-hook-auth");
    const b = await createTenant("ops-hook-auth");
    await call(b.slug, ROUTE, { key: b.key, method: "PUT", json: { url: URL_A } });
    const narrow = await createApiKey(a.slug, ["tickets"]);
    for (const [method, path] of [["PUT", ROUTE], ["GET", ROUTE], ["DELETE", ROUTE], ["GET", `${ROUTE}/secret`], ["POST", `${ROUTE}/secret/rotate`]] as const) {
      const json = method === "PUT" ? { url: URL_A } : undefined;
      expect((await call(a.slug, path, { method, json })).status, `${method} ${path} no key`).toBe(401);
      expect((await call(a.slug, path, { method, json, key: "hg_not-a-real-key" })).status).toBe(401);
      expect((await call(a.slug, path, { method, json, key: b.key })).status).toBe(401);
      const forbidden = await call(a.slug, path, { method, json, key: narrow.key });
      expect(forbidden.status, `${method} ${path} narrow`).toBe(403);
    }
    expect((await call(a.slug, ROUTE, { key: a.key })).status).toBe(404);
    expect((await call(b.slug, ROUTE, { key: b.key })).status).toBe(200);
  });

  it("racing PUTs leave one whole configuration and one secret", async () => {
    const tenant = await createTenant("ops-hook-race");
    const bodies = Array.from({ length: 6 }, (_, n) => ({ url: `https://ops${n}.example.com/hook`, events: [operationalEventTypes[n]!] }));
    const answers = await Promise.all(bodies.map((json) => call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json })));
    expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    const view = await (await call(tenant.slug, ROUTE, { key: tenant.key })).json<View>();
    const n = bodies.findIndex((body) => body.url === view.url);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(view.events).toEqual(bodies[n]!.events);
    const secrets = await Promise.all([1, 2].map(async () => (await (await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).json<{ secret: string }>()).secret));
    expect(secrets[0]).toBe(secrets[1]);
  });

  it("rotation answers a new secret that GET then shows; racing rotations leave one current secret that signs, and every answered one still signs", async () => {
    const tenant = await createTenant("ops-hook-rotate");
    await call(tenant.slug, ROUTE, { key: tenant.key, method: "PUT", json: { url: URL_A } });
    const first = (await (await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).json<{ secret: string }>()).secret;
    const rotated = await call(tenant.slug, `${ROUTE}/secret/rotate`, { key: tenant.key, method: "POST" });
    expect(rotated.status).toBe(200);
    const answer = await rotated.json<{ secret: string; previousSecretExpiresAt: string }>();
    expect(answer.secret).toMatch(/^whsec_/);
    expect(answer.secret).not.toBe(first);
    expect(Date.parse(answer.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 60 * 60 * 1000);
    const [entry] = await auditLog(tenant);
    expect(entry).toMatchObject({ action: "operational_webhook.secret_rotated", actor: { kind: "api_key", id: tenant.keyId }, changes: { signingSecret: "changed" } });

    const racing = await Promise.all([1, 2, 3].map(() => call(tenant.slug, `${ROUTE}/secret/rotate`, { key: tenant.key, method: "POST" })));
    const won = await Promise.all(racing.filter((response) => response.status === 200).map((response) => response.json<{ secret: string }>()));
    for (const response of racing) expect([200, 409]).toContain(response.status);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const current = (await (await call(tenant.slug, `${ROUTE}/secret`, { key: tenant.key })).json<{ secret: string }>()).secret;
    expect(won.map((entry) => entry.secret)).toContain(current);
    // The secret verifies with the standardwebhooks library.
    const signer = new Webhook(current);
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(Date.now() / 1000)) };
    const signature = signer.sign("msg_1", new Date(), "{}");
    expect(() => new Webhook(current).verify("{}", { ...headers, "webhook-signature": signature })).not.toThrow();
  });
});

describe("platform operational webhook", () => {
  it("the operator sets, reads, rotates and removes it with the admin token; a tenant key or no token is refused", async () => {
    const tenant = await createTenant("ops-platform-auth");
    expect((await admin("/admin/v1/operational-webhook", { method: "PUT", json: { url: URL_A }, headers: { authorization: tenant.key } })).status).toBe(401);
    expect((await admin("/admin/v1/operational-webhook", { method: "PUT", json: { url: URL_A, events: ["nope"] } })).status).toBe(400);
    const put = await admin("/admin/v1/operational-webhook", { method: "PUT", json: { url: URL_A, events: ["delivery.dead_lettered"] } });
    expect(put.status).toBe(200);
    expect(await (await admin("/admin/v1/operational-webhook")).json<View>()).toMatchObject({ url: URL_A, events: ["delivery.dead_lettered"] });
    const secret = (await (await admin("/admin/v1/operational-webhook/secret")).json<{ secret: string }>()).secret;
    expect(secret).toMatch(/^whsec_/);
    const rotated = await (await admin("/admin/v1/operational-webhook/secret/rotate", { method: "POST" })).json<{ secret: string }>();
    expect(rotated.secret).not.toBe(secret);
    // A tenant's own webhook is separate from the platform's.
    expect((await call(tenant.slug, ROUTE, { key: tenant.key })).status).toBe(404);
    expect((await admin("/admin/v1/operational-webhook", { method: "DELETE" })).status).toBe(204);
    expect((await admin("/admin/v1/operational-webhook")).status).toBe(404);
  });
});
