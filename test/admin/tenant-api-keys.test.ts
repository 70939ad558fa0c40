import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant, envelope } from "../helpers";

interface Created {
  id: string;
  name: string;
  key: string;
  prefix: string;
  scopes: string[];
}
interface Listed {
  items: { id: string; name: string; prefix: string; scopes: string[]; revokedAt: string | null; lastUsedAt: string | null }[];
}

describe("tenant API keys (/api/v1/api-keys)", () => {
  it("creates a key shown once that works at once, lists keys without secrets, revokes it: 204 then 401", async () => {
    const tenant = await createTenant("keys");
    const response = await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key, json: { name: "ci", scopes: ["api", "api"] } });
    expect(response.status).toBe(201);
    const created = await response.json<Created>();
    expect(created).toMatchObject({ name: "ci", scopes: ["api"] });
    expect(created.key).toMatch(/^hg_/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect((await call(tenant.slug, "/api/v1/events", { key: created.key })).status).toBe(200);

    const listText = await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key })).text();
    expect(listText).not.toContain(created.key);
    const listed = JSON.parse(listText) as Listed;
    expect(listed.items.map((item) => item.id)).toEqual([tenant.keyId, created.id]);

    const revoked = await call(tenant.slug, `/api/v1/api-keys/${created.id}`, { key: tenant.key, method: "DELETE" });
    expect(revoked.status).toBe(204);
    // The key was verified (and cached) above: revocation must drop the cache entry too.
    const after = await call(tenant.slug, "/api/v1/events", { key: created.key });
    expect(after.status).toBe(401);
    const relisted = await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key })).json<Listed>();
    expect(relisted.items.find((item) => item.id === created.id)?.revokedAt).not.toBeNull();
    expect((await call(tenant.slug, `/api/v1/api-keys/${created.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
  });

  it("defaults the scopes to the caller's own", async () => {
    const tenant = await createTenant("keys");
    const apiOnly = await createApiKey(tenant.slug, ["api"]);
    const created = await (await call(tenant.slug, "/api/v1/api-keys", { key: apiOnly.key, json: { name: "default" } })).json<Created>();
    expect(created.scopes).toEqual(["api"]);
  });

  it("refuses a scope the caller does not hold: 403 FORBIDDEN, nothing created", async () => {
    const tenant = await createTenant("keys");
    const apiOnly = await createApiKey(tenant.slug, ["api"]);
    const response = await call(tenant.slug, "/api/v1/api-keys", { key: apiOnly.key, json: { name: "escalate", scopes: ["api", "hr"] } });
    expect(response.status).toBe(403);
    expect((await envelope(response)).error.code).toBe("FORBIDDEN");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ? AND name = 'escalate'").bind(tenant.id).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("answers 400 VALIDATION_FAILED for a blank name, an unknown scope or no scopes", async () => {
    const tenant = await createTenant("keys");
    for (const json of [{ name: " " }, { name: "x", scopes: ["root"] }, { name: "x", scopes: [] }, {}]) {
      const response = await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key, json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
    const listed = await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key })).json<Listed>();
    expect(listed.items).toHaveLength(1);
  });

  it("answers 404 for another tenant's key id and leaves that key working", async () => {
    const a = await createTenant("keys");
    const b = await createTenant("keys");
    const response = await call(a.slug, `/api/v1/api-keys/${b.keyId}`, { key: a.key, method: "DELETE" });
    expect(response.status).toBe(404);
    expect((await envelope(response)).error.code).toBe("NOT_FOUND");
    expect((await call(b.slug, "/api/v1/events", { key: b.key })).status).toBe(200);
    const listed = await (await call(a.slug, "/api/v1/api-keys", { key: a.key })).json<Listed>();
    expect(listed.items.map((item) => item.id)).toEqual([a.keyId]);
  });

  it("answers 401 without a key or with another tenant's key, 403 without the api scope", async () => {
    const a = await createTenant("keys");
    const b = await createTenant("keys");
    expect((await call(a.slug, "/api/v1/api-keys", {})).status).toBe(401);
    expect((await call(a.slug, "/api/v1/api-keys", { key: b.key })).status).toBe(401);
    expect((await call(a.slug, "/api/v1/api-keys", { key: b.key, json: { name: "x" } })).status).toBe(401);
    expect((await call(a.slug, `/api/v1/api-keys/${a.keyId}`, { key: b.key, method: "DELETE" })).status).toBe(401);
    const ticketsOnly = await createApiKey(a.slug, ["tickets"]);
    expect((await call(a.slug, "/api/v1/api-keys", { key: ticketsOnly.key })).status).toBe(403);
  });
});
