import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, createTenant } from "../helpers";
import { SIGN_IN_WINDOW_MS, accountKey, addressKey } from "../../src/auth/sign-in-throttle";

const PASSWORD = "service account password";

async function tenantWithAccount() {
  const tenant = await createTenant("ar");
  await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "remedy@example.com", password: PASSWORD } });
  return tenant;
}

const login = (slug: string, body: string, contentType = "application/x-www-form-urlencoded", headers: Record<string, string> = {}) =>
  call(slug, "/api/jwt/login", { method: "POST", body, contentType, headers });

/** A login from the client address `ip` (as Cloudflare reports it in CF-Connecting-IP). */
const loginFrom = (slug: string, ip: string, email: string, password: string) =>
  login(slug, `username=${encodeURIComponent(email)}&password=${encodeURIComponent(password)}`, undefined, { "CF-Connecting-IP": ip });

const failures = async (key: string) =>
  (await env.DB.prepare("SELECT failures FROM sign_in_failures WHERE key = ?").bind(key).first<{ failures: number }>())?.failures ?? 0;

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

describe("AR-JWT login throttle", () => {
  it("after 10 wrong passwords the 11th login is 429 with Retry-After and AR's array, even with the right password", async () => {
    const tenant = await tenantWithAccount();
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await loginFrom(tenant.slug, "192.0.2.1", "remedy@example.com", "wrong-password!")).status).toBe(401);
    }
    const refused = await loginFrom(tenant.slug, "192.0.2.1", "remedy@example.com", PASSWORD);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(850);
    expect(retryAfter).toBeLessThanOrEqual(900);
    const body = await refused.json<ArMessage[]>();
    expect(body).toEqual([expect.objectContaining({ messageType: "ERROR", messageNumber: 624 })]);
    expect(body[0]!.messageAppendedText).toMatch(/too many failed sign-ins/i);
    // The account is throttled from any address, too.
    expect((await loginFrom(tenant.slug, "198.51.100.7", "remedy@example.com", PASSWORD)).status).toBe(429);
  });

  it("the address counter throttles another email from the same address; the account still signs in from elsewhere", async () => {
    const tenant = await tenantWithAccount();
    for (let attempt = 0; attempt < 10; attempt++) {
      expect((await loginFrom(tenant.slug, "192.0.2.2", `guess-${attempt}@example.com`, "wrong-password!")).status).toBe(401);
    }
    expect(await failures(accountKey(tenant.id, "remedy@example.com"))).toBe(0);
    const refused = await loginFrom(tenant.slug, "192.0.2.2", "remedy@example.com", PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await loginFrom(tenant.slug, "192.0.2.3", "remedy@example.com", PASSWORD)).status).toBe(200);
  });

  it("30 parallel wrong logins: exactly 10 passwords are checked (401), the other 20 are refused (429); all 30 counted", async () => {
    const tenant = await tenantWithAccount();
    const answers = await Promise.all(Array.from({ length: 30 }, () => loginFrom(tenant.slug, "192.0.2.4", "remedy@example.com", "wrong-password!")));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    expect(await failures(accountKey(tenant.id, "remedy@example.com"))).toBe(30);
    expect(await failures(addressKey(tenant.id, "192.0.2.4"))).toBe(30);
  });

  it("signs in again once the window has passed", async () => {
    const tenant = await tenantWithAccount();
    for (let attempt = 0; attempt < 10; attempt++) await loginFrom(tenant.slug, "192.0.2.5", "remedy@example.com", "wrong-password!");
    expect((await loginFrom(tenant.slug, "192.0.2.5", "remedy@example.com", PASSWORD)).status).toBe(429);
    await env.DB.prepare("UPDATE sign_in_failures SET window_started_at = window_started_at - ? WHERE key IN (?, ?)")
      .bind(SIGN_IN_WINDOW_MS, accountKey(tenant.id, "remedy@example.com"), addressKey(tenant.id, "192.0.2.5"))
      .run();
    expect((await loginFrom(tenant.slug, "192.0.2.5", "remedy@example.com", PASSWORD)).status).toBe(200);
    // The attempt opened new windows; its success cleared the account's counter and was not counted on the address.
    expect(await failures(accountKey(tenant.id, "remedy@example.com"))).toBe(0);
    expect(await failures(addressKey(tenant.id, "192.0.2.5"))).toBe(0);
  });
});
