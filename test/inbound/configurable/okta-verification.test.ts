import { describe, expect, it } from "vitest";
import { call, createTenant, envelope, waitForAnonymousLog } from "../../helpers";
import { createHook, expectNothingStored } from "./hook-helpers";

const SECRET = "okta-shared-secret-1";

describe("GET /hooks/{hookId}: Okta one-time verification", () => {
  it("echoes X-Okta-Verification-Challenge when the secret checks out", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: SECRET } });
    const response = await call(tenant.slug, `/hooks/${hook.id}`, {
      headers: { authorization: SECRET, "x-okta-verification-challenge": "pXXnNKNtUv4kFMo5lVWV" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ verification: "pXXnNKNtUv4kFMo5lVWV" });
    await expectNothingStored(tenant);
  });

  it("a wrong or missing secret is 401 and echoes nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: SECRET } });
    const attempts: Record<string, string>[] = [{ authorization: "wrong", "x-okta-verification-challenge": "abc" }, { "x-okta-verification-challenge": "abc" }];
    for (const headers of attempts) {
      const response = await call(tenant.slug, `/hooks/${hook.id}`, { headers });
      expect(response.status).toBe(401);
      const body = await envelope(response);
      expect(JSON.stringify(body)).not.toContain('"verification"');
      expect(body.error.code).toBe("UNAUTHORIZED");
    }
    // Not authenticated: counted in the log, not logged one row each.
    const counted = await waitForAnonymousLog(tenant.id, { status: 401, code: "UNAUTHORIZED" }, attempts.length);
    expect(counted.reduce((sum, row) => sum + row.count, 0)).toBe(attempts.length);
  });

  it("a missing challenge header is 400", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: SECRET } });
    const response = await call(tenant.slug, `/hooks/${hook.id}`, { headers: { authorization: SECRET } });
    expect(response.status).toBe(400);
  });

  it("is only for Okta hooks, and not across tenants", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const generic = await createHook(tenant, { preset: "generic-header-secret", auth: { kind: "header_secret", secret: SECRET } });
    const okta = await createHook(tenant, { preset: "okta-event-hook", auth: { kind: "header_secret", secret: SECRET } });
    const headers = { authorization: SECRET, "x-okta-verification-challenge": "abc" };
    expect((await call(tenant.slug, `/hooks/${generic.id}`, { headers })).status).toBe(404);
    expect((await call(other.slug, `/hooks/${okta.id}`, { headers })).status).toBe(404);
  });
});

describe("OPTIONS /hooks/{hookId}: the CloudEvents handshake Azure Event Grid validates the URL with", () => {
  it("allows the requesting origin for azure-ad hooks only", async () => {
    const tenant = await createTenant();
    const azure = await createHook(tenant, { preset: "azure-ad" });
    const response = await call(tenant.slug, `/hooks/${azure.id}`, { method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    expect(response.headers.get("webhook-allowed-rate")).toBe("*");

    expect((await call(tenant.slug, `/hooks/${azure.id}`, { method: "OPTIONS" })).status).toBe(400);
    const okta = await createHook(tenant, { preset: "okta-event-hook" });
    expect((await call(tenant.slug, `/hooks/${okta.id}`, { method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" } })).status).toBe(404);
    const other = await createTenant();
    expect((await call(other.slug, `/hooks/${azure.id}`, { method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" } })).status).toBe(404);
    await expectNothingStored(tenant);
  });
});
