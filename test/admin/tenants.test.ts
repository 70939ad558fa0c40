import { describe, expect, it } from "vitest";
import { admin, envelope, uniqueSlug } from "../helpers";

describe("admin tenants API", () => {
  it("creates a tenant (201) and refuses the same slug again (409)", async () => {
    const slug = uniqueSlug();
    const created = await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: "Acme" } });
    expect(created.status).toBe(201);
    const tenant = await created.json<Record<string, unknown>>();
    expect(tenant).toMatchObject({ slug, name: "Acme", status: "active" });
    expect(tenant.id).toMatch(/^ten_/);
    const again = await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: "Other" } });
    expect(again.status).toBe(409);
    expect((await envelope(again)).error.code).toBe("CONFLICT");
  });

  it.each([
    [{ slug: "AB", name: "x" }, "slug"],
    [{ slug: "ab", name: "x" }, "slug"],
    [{ slug: "has space", name: "x" }, "slug"],
    [{ slug: "valid-slug" }, "name"],
    [{ slug: "valid-slug", name: "" }, "name"],
  ])("rejects %j with VALIDATION_FAILED naming %s", async (json, field) => {
    const response = await admin("/admin/v1/tenants", { method: "POST", json });
    expect(response.status).toBe(400);
    const body = await envelope(response);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details?.map((detail) => detail.path)).toContain(field);
  });

  it("lists and reads tenants; an unknown slug is 404 TENANT_NOT_FOUND", async () => {
    const slug = uniqueSlug();
    await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: "Listed" } });
    const list = await (await admin("/admin/v1/tenants")).json<{ items: { slug: string }[] }>();
    expect(list.items.map((item) => item.slug)).toContain(slug);
    const one = await admin(`/admin/v1/tenants/${slug}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ slug, name: "Listed" });
    const missing = await admin(`/admin/v1/tenants/${uniqueSlug("missing")}`);
    expect(missing.status).toBe(404);
    expect((await envelope(missing)).error.code).toBe("TENANT_NOT_FOUND");
  });

  it("patches name and status, and validates the patch", async () => {
    const slug = uniqueSlug();
    await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: "Before" } });
    const renamed = await admin(`/admin/v1/tenants/${slug}`, { method: "PATCH", json: { name: "After", status: "suspended" } });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: "After", status: "suspended" });
    for (const json of [{}, { status: "deleted" }, { slug: "renamed" }]) {
      const bad = await admin(`/admin/v1/tenants/${slug}`, { method: "PATCH", json });
      expect(bad.status).toBe(400);
      expect((await envelope(bad)).error.code).toBe("VALIDATION_FAILED");
    }
    expect(await (await admin(`/admin/v1/tenants/${slug}`)).json()).toMatchObject({ name: "After", status: "suspended" });
  });

  it("requires the admin token: none or a wrong one is 401 with a challenge, and creates nothing", async () => {
    const slug = uniqueSlug();
    for (const authorization of ["", "Bearer wrong-token", "test-admin-token-0123456789"]) {
      const response = await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: "x" }, headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect((await envelope(response)).error.code).toBe("UNAUTHORIZED");
    }
    expect((await admin(`/admin/v1/tenants/${slug}`)).status).toBe(404);
  });

  it("refuses a tenant API key on the admin API", async () => {
    const response = await admin("/admin/v1/tenants", { headers: { authorization: "Bearer hg_not_an_admin_token" } });
    expect(response.status).toBe(401);
  });
});
