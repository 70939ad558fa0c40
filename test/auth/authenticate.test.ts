import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, admin, call, createApiKey, createTenant, envelope } from "../helpers";

const basic = (email: string, password: string) => `Basic ${btoa(`${email}:${password}`)}`;

describe("tenant authentication", () => {
  it("accepts the key bare and as Bearer", async () => {
    const tenant = await createTenant();
    expect((await call(tenant.slug, "/api/v1/events", { authorization: tenant.key })).status).toBe(200);
    expect((await call(tenant.slug, "/api/v1/events", { authorization: `Bearer ${tenant.key}` })).status).toBe(200);
  });

  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["an unknown key", "hg_this_key_does_not_exist_anywhere00"],
    ["a malformed scheme", "Token a b"],
  ])("answers 401 UNAUTHORIZED with WWW-Authenticate for %s", async (_label, authorization) => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, "/api/v1/events", authorization === undefined ? {} : { authorization });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/Bearer realm="hookgate", Basic/);
    expect((await envelope(response)).error.code).toBe("UNAUTHORIZED");
  });

  it("rejects tenant A's key on tenant B's host (401) and never shows B's data", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    await call(b.slug, TICKET_PATH, { key: b.key, json: SEED_TICKET });
    const crossed = await call(b.slug, "/api/v1/events", { key: a.key });
    expect(crossed.status).toBe(401);
    const own = await (await call(a.slug, "/api/v1/events", { key: a.key })).json<{ items: unknown[] }>();
    expect(own.items).toEqual([]);
  });

  it("answers 403 FORBIDDEN when the key lacks the route's scope", async () => {
    const tenant = await createTenant();
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    const forbidden = await call(tenant.slug, "/api/v1/events", { key: ticketsOnly.key });
    expect(forbidden.status).toBe(403);
    expect((await envelope(forbidden)).error.code).toBe("FORBIDDEN");
    expect((await call(tenant.slug, TICKET_PATH, { key: ticketsOnly.key, json: SEED_TICKET })).status).toBe(201);
    const apiOnly = await createApiKey(tenant.slug, ["api"]);
    expect((await call(tenant.slug, TICKET_PATH, { key: apiOnly.key, json: SEED_TICKET })).status).toBe(403);
  });

  it("throttles Basic: after 10 wrong passwords the 11th request is 429 RATE_LIMITED with Retry-After, even with the right password", async () => {
    const tenant = await createTenant();
    const password = "service account password";
    expect((await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "ops@example.com", password } })).status).toBe(201);
    const headers = { "CF-Connecting-IP": "203.0.113.9" };
    expect((await call(tenant.slug, "/api/v1/events", { authorization: basic("ops@example.com", password), headers })).status).toBe(200);
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await call(tenant.slug, "/api/v1/events", { authorization: basic("ops@example.com", "wrong password!"), headers });
      expect(wrong.status).toBe(401);
    }
    const refused = await call(tenant.slug, "/api/v1/events", { authorization: basic("ops@example.com", password), headers });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(850);
    expect((await envelope(refused)).error.code).toBe("RATE_LIMITED");
    // API keys are not password sign-ins: the same address still gets in with one.
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key, headers })).status).toBe(200);
  });
});
