import { describe, expect, it } from "vitest";
import { admin, call, createTenant } from "../helpers";

const PASSWORD = "service account password";

async function tenantWithAccount() {
  const tenant = await createTenant("ar");
  await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "remedy@example.com", password: PASSWORD } });
  return tenant;
}

const login = (slug: string, body: string, contentType = "application/x-www-form-urlencoded") =>
  call(slug, "/api/jwt/login", { method: "POST", body, contentType });

interface ArMessage {
  messageType: string;
  messageText: string;
  messageAppendedText: string;
  messageNumber: number;
}

describe("AR-JWT login and logout", () => {
  it("logs in with a service account (200 text/plain token) usable as Authorization: AR-JWT", async () => {
    const tenant = await tenantWithAccount();
    const response = await login(tenant.slug, `username=remedy%40example.com&password=${encodeURIComponent(PASSWORD)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const token = await response.text();
    expect(token.split(".")).toHaveLength(3);
    expect((await call(tenant.slug, "/api/arsys/v1.0/webhook", { authorization: `AR-JWT ${token}` })).status).toBe(200);
  });

  it("logout invalidates the token (204, then 401)", async () => {
    const tenant = await tenantWithAccount();
    const token = await (await login(tenant.slug, `username=remedy@example.com&password=${encodeURIComponent(PASSWORD)}`)).text();
    const out = await call(tenant.slug, "/api/jwt/logout", { method: "POST", authorization: `AR-JWT ${token}` });
    expect(out.status).toBe(204);
    expect((await call(tenant.slug, "/api/arsys/v1.0/webhook", { authorization: `AR-JWT ${token}` })).status).toBe(401);
  });

  it("answers bad credentials with 401 and AR's error array", async () => {
    const tenant = await tenantWithAccount();
    const response = await login(tenant.slug, "username=remedy@example.com&password=wrong-password!");
    expect(response.status).toBe(401);
    const body = await response.json<ArMessage[]>();
    expect(body).toEqual([expect.objectContaining({ messageType: "ERROR", messageNumber: 623, messageText: "Authentication failed" })]);
    expect(body[0]!.messageAppendedText.length).toBeGreaterThan(0);
  });

  it("answers missing fields with 400 and a non-form body with 415, both as AR arrays", async () => {
    const tenant = await tenantWithAccount();
    const missing = await login(tenant.slug, "username=remedy@example.com");
    expect(missing.status).toBe(400);
    expect((await missing.json<ArMessage[]>())[0]!.messageAppendedText).toContain("password");
    const json = await login(tenant.slug, JSON.stringify({ username: "x", password: "y" }), "application/json");
    expect(json.status).toBe(415);
    expect(Array.isArray(await json.json())).toBe(true);
  });

  it("refuses a token on another tenant, a tampered token, and a token of a deleted account", async () => {
    const tenant = await tenantWithAccount();
    const other = await tenantWithAccount();
    const token = await (await login(tenant.slug, `username=remedy@example.com&password=${encodeURIComponent(PASSWORD)}`)).text();
    expect((await call(other.slug, "/api/arsys/v1.0/webhook", { authorization: `AR-JWT ${token}` })).status).toBe(401);
    const [header, payload, signature] = token.split(".");
    const forged = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    forged.exp = 9_999_999_999;
    const tampered = `${header}.${btoa(JSON.stringify(forged)).replace(/=+$/, "")}.${signature}`;
    expect((await call(tenant.slug, "/api/arsys/v1.0/webhook", { authorization: `AR-JWT ${tampered}` })).status).toBe(401);
    const accounts = await (await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`)).json<{ items: { id: string }[] }>();
    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts/${accounts.items[0]!.id}`, { method: "DELETE" });
    expect((await call(tenant.slug, "/api/arsys/v1.0/webhook", { authorization: `AR-JWT ${token}` })).status).toBe(401);
  });

  it("logout with an API key instead of a token is 400", async () => {
    const tenant = await tenantWithAccount();
    expect((await call(tenant.slug, "/api/jwt/logout", { method: "POST", key: tenant.key })).status).toBe(400);
    expect((await call(tenant.slug, "/api/jwt/logout", { method: "POST" })).status).toBe(401);
  });
});
