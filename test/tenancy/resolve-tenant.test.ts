import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, admin, call, createTenant, envelope } from "../helpers";

describe("tenant resolution", () => {
  it("resolves the tenant from the Host header", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, "/api/v1/events", { key: tenant.key });
    expect(response.status).toBe(200);
  });

  it("resolves the tenant from a /t/{tenant}/ path prefix on any host", async () => {
    const tenant = await createTenant();
    const response = await SELF.fetch(`http://${BASE_DOMAIN}/t/${tenant.slug}/api/v1/events`, {
      headers: { authorization: tenant.key },
    });
    expect(response.status).toBe(200);
  });

  it("answers 404 TENANT_NOT_FOUND for an unknown tenant, on host and path", async () => {
    const byHost = await call("no-such-tenant", "/api/v1/events", { key: "hg_whatever" });
    expect(byHost.status).toBe(404);
    expect((await envelope(byHost)).error.code).toBe("TENANT_NOT_FOUND");
    const byPath = await SELF.fetch(`http://${BASE_DOMAIN}/t/no-such-tenant/api/v1/events`);
    expect(byPath.status).toBe(404);
    expect((await envelope(byPath)).error.code).toBe("TENANT_NOT_FOUND");
  });

  it("answers 404 TENANT_NOT_FOUND when no tenant is named at all", async () => {
    const response = await SELF.fetch(`http://${BASE_DOMAIN}/api/v1/events`);
    expect(response.status).toBe(404);
    expect((await envelope(response)).error.code).toBe("TENANT_NOT_FOUND");
  });

  it("refuses a host and a path prefix naming different tenants", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    const response = await call(a.slug, `/t/${b.slug}/api/v1/events`, { key: b.key });
    expect(response.status).toBe(404);
    expect((await envelope(response)).error.code).toBe("TENANT_NOT_FOUND");
  });

  it("answers 403 TENANT_SUSPENDED for a suspended tenant, and serves it again once reactivated", async () => {
    const tenant = await createTenant();
    await admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { status: "suspended" } });
    const suspended = await call(tenant.slug, "/api/v1/events", { key: tenant.key });
    expect(suspended.status).toBe(403);
    expect((await envelope(suspended)).error.code).toBe("TENANT_SUSPENDED");
    await admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { status: "active" } });
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(200);
  });
});
