/**
 * The README's bound on revocation and suspension: the isolate that makes the change acts on it at once; another
 * isolate, which may still hold the key or tenant in its lookup cache, refuses it within LOOKUP_CACHE_TTL_MS.
 * "Another isolate" is simulated by changing D1 directly, which leaves this isolate's cache as stale as theirs.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { LOOKUP_CACHE_TTL_MS } from "../../src/http/ttl-cache";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("revocation and suspension made elsewhere", () => {
  it("the README's bound is five seconds", () => {
    expect(LOOKUP_CACHE_TTL_MS).toBeLessThanOrEqual(5_000);
  });

  it("a key revoked by another isolate is refused here once the lookup cache entry expires", async () => {
    const tenant = await createTenant("revoked-elsewhere");
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), tenant.keyId).run();
    await wait(LOOKUP_CACHE_TTL_MS + 100);
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(401);
  });

  it("a tenant suspended by another isolate is refused here once the lookup cache entry expires", async () => {
    const tenant = await createTenant("suspended-elsewhere");
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(200);
    await env.DB.prepare("UPDATE tenants SET status = 'suspended' WHERE id = ?").bind(tenant.id).run();
    await wait(LOOKUP_CACHE_TTL_MS + 100);
    const refused = await call(tenant.slug, "/api/v1/events", { key: tenant.key });
    expect(refused.status).toBe(403);
  });
});
