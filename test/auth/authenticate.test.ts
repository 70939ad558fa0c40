import { describe, expect, it } from "vitest";
import { SEED_TICKET, TICKET_PATH, call, createApiKey, createTenant, envelope } from "../helpers";

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
});
