/** The lifecycle hooks configuration's `rateLimitPerSecond` (issue 20, item 2): saved, echoed, kept when left out, cleared by null. */
import { describe, expect, it } from "vitest";
import { call, createTenant, envelope, type TestTenant } from "../helpers";

const PATH = "/api/v1/lifecycle-hooks";
const CONFIG = { baseUrl: "https://hooks.tenant.example/webhook", token: "tok", enabled: ["postCreateUser"] };

const put = (tenant: TestTenant, json: unknown, key = tenant.key) => call(tenant.slug, PATH, { key, method: "PUT", json });
const rateOf = async (tenant: TestTenant) => (await (await call(tenant.slug, PATH, { key: tenant.key })).json<{ rateLimitPerSecond: number | null }>()).rateLimitPerSecond;

describe("PUT /api/v1/lifecycle-hooks rateLimitPerSecond", () => {
  it("unlimited at first; saved and echoed; left out keeps it; null clears it", async () => {
    const tenant = await createTenant("lc-rate");
    expect(await (await put(tenant, CONFIG)).json()).toMatchObject({ rateLimitPerSecond: null });
    const saved = await put(tenant, { ...CONFIG, token: "********", rateLimitPerSecond: 25 });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ rateLimitPerSecond: 25 });
    expect(await rateOf(tenant)).toBe(25);
    expect((await put(tenant, { ...CONFIG, token: "********", timeoutMs: 2000 })).status).toBe(200);
    expect(await rateOf(tenant)).toBe(25);
    expect((await put(tenant, { ...CONFIG, token: "********", rateLimitPerSecond: null })).status).toBe(200);
    expect(await rateOf(tenant)).toBeNull();
  });

  it.each([0, 1001, 1.5, "3"])("%s is 400 naming rateLimitPerSecond, and nothing changes", async (value) => {
    const tenant = await createTenant("lc-rate-bad");
    await put(tenant, { ...CONFIG, rateLimitPerSecond: 4 });
    const response = await put(tenant, { ...CONFIG, token: "********", timeoutMs: 2000, rateLimitPerSecond: value });
    expect(response.status).toBe(400);
    const body = await envelope(response);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details!.map((detail) => detail.path)).toEqual(["rateLimitPerSecond"]);
    expect(await (await call(tenant.slug, PATH, { key: tenant.key })).json()).toMatchObject({ rateLimitPerSecond: 4, timeoutMs: 3000 });
  });

  it("no key is 401; another tenant's key saves only that tenant's own configuration", async () => {
    const tenant = await createTenant("lc-rate-own");
    const other = await createTenant("lc-rate-other");
    await put(tenant, { ...CONFIG, rateLimitPerSecond: 4 });
    expect((await call(tenant.slug, PATH, { method: "PUT", json: { ...CONFIG, rateLimitPerSecond: 9 } })).status).toBe(401);
    expect((await call(tenant.slug, PATH, { key: other.key, method: "PUT", json: { ...CONFIG, rateLimitPerSecond: 9 } })).status).toBe(401);
    expect(await rateOf(tenant)).toBe(4);
  });

  it("two saves racing with different rates: one of them is stored", async () => {
    const tenant = await createTenant("lc-rate-race");
    await put(tenant, CONFIG);
    const results = await Promise.all([put(tenant, { ...CONFIG, token: "********", rateLimitPerSecond: 10 }), put(tenant, { ...CONFIG, token: "********", rateLimitPerSecond: 20 })]);
    expect(results.map((response) => response.status)).toEqual([200, 200]);
    expect([10, 20]).toContain(await rateOf(tenant));
  });
});
