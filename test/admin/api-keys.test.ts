import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, createTenant, envelope, uniqueSlug } from "../helpers";

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");

describe("admin API keys", () => {
  it("creates a key shown once: hg_ prefix, >= 128 bits, stored only as a SHA-256 hash", async () => {
    const tenant = await createTenant();
    const response = await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`, { method: "POST", json: { name: "servicenow" } });
    expect(response.status).toBe(201);
    const created = await response.json<{ id: string; name: string; key: string; prefix: string; createdAt: string }>();
    expect(created).toMatchObject({ name: "servicenow" });
    expect(created.key).toMatch(/^hg_[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);

    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(row?.hash).toBe(await sha256Hex(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    const lookup = await env.SECRETS.get(`apikey:${await sha256Hex(created.key)}`, "json");
    expect(lookup).toMatchObject({ tenantId: tenant.id, keyId: created.id });
    expect((await env.SECRETS.list()).keys.map((key) => key.name).join()).not.toContain(created.key);

    const list = await (await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`)).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.key);
    expect(list).not.toContain(String(row?.hash));
  });

  it("revokes a key: 204, and the next request with it is 401", async () => {
    const tenant = await createTenant();
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(200);
    const revoked = await admin(`/admin/v1/tenants/${tenant.slug}/api-keys/${tenant.keyId}`, { method: "DELETE" });
    expect(revoked.status).toBe(204);
    const after = await call(tenant.slug, "/api/v1/events", { key: tenant.key });
    expect(after.status).toBe(401);
    expect((await envelope(after)).error.code).toBe("UNAUTHORIZED");
    const listed = await (await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`)).json<{ items: { revokedAt: string | null }[] }>();
    expect(listed.items[0]?.revokedAt).not.toBeNull();
  });

  it("is revoked by D1 even while a stale KV lookup entry survives (KV is eventually consistent)", async () => {
    const tenant = await createTenant();
    const hash = await sha256Hex(tenant.key);
    const entry = await env.SECRETS.get(`apikey:${hash}`);
    await admin(`/admin/v1/tenants/${tenant.slug}/api-keys/${tenant.keyId}`, { method: "DELETE" });
    await env.SECRETS.put(`apikey:${hash}`, entry!);
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(401);
  });

  it("answers 404 for an unknown or already revoked key, and for another tenant's key", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    expect((await admin(`/admin/v1/tenants/${a.slug}/api-keys/key_nope`, { method: "DELETE" })).status).toBe(404);
    const crossTenant = await admin(`/admin/v1/tenants/${a.slug}/api-keys/${b.keyId}`, { method: "DELETE" });
    expect(crossTenant.status).toBe(404);
    expect((await call(b.slug, "/api/v1/events", { key: b.key })).status).toBe(200);
    await admin(`/admin/v1/tenants/${a.slug}/api-keys/${a.keyId}`, { method: "DELETE" });
    expect((await admin(`/admin/v1/tenants/${a.slug}/api-keys/${a.keyId}`, { method: "DELETE" })).status).toBe(404);
  });

  it("answers 404 TENANT_NOT_FOUND for keys of an unknown tenant, 400 for a bad body, 401 without the admin token", async () => {
    const missing = await admin(`/admin/v1/tenants/${uniqueSlug("gone")}/api-keys`, { method: "POST", json: { name: "x" } });
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("TENANT_NOT_FOUND");
    const tenant = await createTenant();
    const bad = await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`, { method: "POST", json: { name: "x", scopes: ["root"] } });
    expect(bad.status).toBe(400);
    const noToken = await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`, { headers: { authorization: "" } });
    expect(noToken.status).toBe(401);
  });
});
