/** POST /admin/v1/secrets/reseal through the Worker: admin token, response shape, OpenAPI. The rotation itself is in rotation.test.ts. */
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, BASE_DOMAIN, envelope } from "../helpers";
import { secretStore } from "../../src/secrets/secret-store";

const PATH = "/admin/v1/secrets/reseal";

interface Report {
  resealed: number;
  alreadyCurrent: number;
  failed: number;
  cursor: string | null;
}

describe("POST /admin/v1/secrets/reseal", () => {
  it.each([
    ["without a token", undefined],
    ["with a wrong token", "Bearer not-the-admin-token-at-all"],
    ["with a tenant-style bare token", "test-admin-token-0123456789"],
  ])("is 401 UNAUTHORIZED %s", async (_label, authorization) => {
    const headers = new Headers();
    if (authorization) headers.set("authorization", authorization);
    const response = await SELF.fetch(`http://${BASE_DOMAIN}${PATH}`, { method: "POST", headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await envelope(response)).error.code).toBe("UNAUTHORIZED");
  });

  it("walks every page with the admin token and rewrites nothing when no previous key is configured", async () => {
    const tenantId = `ten_route${Date.now().toString(36)}`;
    const ref = await secretStore(env).put({ tenantId, purpose: "callback" }, "route-secret");
    const before = await env.SECRETS.get(ref);
    const totals = { resealed: 0, alreadyCurrent: 0, failed: 0 };
    let cursor: string | null = null;
    do {
      const response = await admin(`${PATH}?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { method: "POST" });
      expect(response.status).toBe(200);
      const body = await response.json<Report>();
      expect(Object.keys(body).sort()).toEqual(["alreadyCurrent", "cursor", "failed", "resealed"]);
      totals.resealed += body.resealed;
      totals.alreadyCurrent += body.alreadyCurrent;
      totals.failed += body.failed;
      cursor = body.cursor;
    } while (cursor !== null);
    expect(totals.resealed).toBe(0);
    expect(totals.alreadyCurrent).toBeGreaterThanOrEqual(1);
    expect(await env.SECRETS.get(ref)).toBe(before);
    expect(await secretStore(env).get(tenantId, ref)).toBe("route-secret");
  });

  it("validates the page size", async () => {
    for (const limit of ["0", "501", "many"]) {
      const response = await admin(`${PATH}?limit=${limit}`, { method: "POST" });
      expect(response.status).toBe(400);
      const body = await envelope(response);
      expect(body.error.code).toBe("VALIDATION_FAILED");
      expect(body.error.details?.map((detail) => detail.path)).toContain("limit");
    }
  });

  it("is in the admin OpenAPI document", async () => {
    const document = await (await admin("/admin/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(document.paths[PATH] ?? {})).toEqual(["post"]);
  });
});
