import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, createTenant, envelope } from "../helpers";

const basic = (email: string, password: string) => `Basic ${btoa(`${email}:${password}`)}`;
const PASSWORD = "correct horse battery";

describe("admin service accounts", () => {
  it("creates an account stored as PBKDF2-SHA256 (100,000 iterations, salted) that authenticates with Basic", async () => {
    const tenant = await createTenant();
    const response = await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, {
      method: "POST",
      json: { email: "Svc@Example.com", password: PASSWORD },
    });
    expect(response.status).toBe(201);
    const account = await response.json<{ id: string; email: string }>();
    expect(account.email).toBe("svc@example.com");
    expect(JSON.stringify(account)).not.toContain(PASSWORD);
    const row = await env.DB.prepare("SELECT * FROM service_accounts WHERE id = ?").bind(account.id).first<Record<string, unknown>>();
    expect(row?.iterations).toBe(100_000);
    expect(String(row?.salt).length).toBeGreaterThan(16);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);

    expect((await call(tenant.slug, "/api/v1/events", { authorization: basic("svc@example.com", PASSWORD) })).status).toBe(200);
    const wrong = await call(tenant.slug, "/api/v1/events", { authorization: basic("svc@example.com", "wrong password!") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
  });

  it("refuses a short password (400) and a duplicate email (409)", async () => {
    const tenant = await createTenant();
    const path = `/admin/v1/tenants/${tenant.slug}/service-accounts`;
    const short = await admin(path, { method: "POST", json: { email: "a@example.com", password: "short" } });
    expect(short.status).toBe(400);
    expect((await envelope(short)).error.details?.[0]?.path).toBe("password");
    const badEmail = await admin(path, { method: "POST", json: { email: "not-an-email", password: PASSWORD } });
    expect(badEmail.status).toBe(400);
    expect((await admin(path, { method: "POST", json: { email: "a@example.com", password: PASSWORD } })).status).toBe(201);
    const duplicate = await admin(path, { method: "POST", json: { email: "A@example.com", password: PASSWORD } });
    expect(duplicate.status).toBe(409);
  });

  it("lists accounts without secrets and deletes them: the deleted account gets 401", async () => {
    const tenant = await createTenant();
    const path = `/admin/v1/tenants/${tenant.slug}/service-accounts`;
    const account = await (await admin(path, { method: "POST", json: { email: "gone@example.com", password: PASSWORD } })).json<{ id: string }>();
    const list = await (await admin(path)).text();
    expect(list).toContain(account.id);
    expect(list).not.toContain("password");
    expect((await admin(`${path}/${account.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`${path}/${account.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await call(tenant.slug, "/api/v1/events", { authorization: basic("gone@example.com", PASSWORD) })).status).toBe(401);
    // The email can be reused after deletion.
    expect((await admin(path, { method: "POST", json: { email: "gone@example.com", password: PASSWORD } })).status).toBe(201);
  });

  it("does not let one tenant's service account into another tenant", async () => {
    const a = await createTenant("a");
    const b = await createTenant("b");
    await admin(`/admin/v1/tenants/${a.slug}/service-accounts`, { method: "POST", json: { email: "svc@a.example", password: PASSWORD } });
    const response = await call(b.slug, "/api/v1/events", { authorization: basic("svc@a.example", PASSWORD) });
    expect(response.status).toBe(401);
  });
});
