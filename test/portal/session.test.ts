import { describe, expect, it } from "vitest";
import { SELF, env } from "cloudflare:test";
import { admin, createApiKey, createTenant, tenantUrl, type TestTenant } from "../helpers";
import { PortalBrowser, pageText } from "./portal-client";
import { issueSession } from "../../src/portal/session";
import { signToken } from "../../src/auth/signed-token";

/** A session cookie of a sign-in with the tenant's key made `minutesAgo` minutes ago (at 20: past half its life). */
async function earlierSignIn(tenant: TestTenant, minutesAgo: number) {
  const principal = { kind: "api_key" as const, id: tenant.keyId, tenantId: tenant.id, scopes: ["tickets", "hr", "api"] };
  return issueSession(env.MASTER_KEY, { principal, displayName: "test key" }, Math.floor(Date.now() / 1000) - minutesAgo * 60);
}

const portalWith = (slug: string, token: string) =>
  SELF.fetch(tenantUrl(slug, "/portal"), { headers: { cookie: `hg_portal=${token}` }, redirect: "manual" });

const sessionCookieOf = (response: Response): string | undefined =>
  response.headers.getSetCookie().find((line) => line.startsWith("hg_portal="))?.split(";")[0]!.slice("hg_portal=".length);

/** Logs out with `token` (its sign-in's CSRF token in the form), as a browser holding that cookie would. */
async function logOutWith(slug: string, token: string, csrf: string) {
  const browser = new PortalBrowser(slug);
  browser.cookies.set("hg_portal", token);
  browser.csrf = csrf;
  return browser.post("/portal/logout");
}

describe("portal sign-in", () => {
  it("sends a visitor without a session to the sign-in page, remembering where they were going", async () => {
    const tenant = await createTenant("portal");
    const browser = new PortalBrowser(tenant.slug);
    const page = await browser.get("/portal/deliveries?status=dead");
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/portal/login?next=${encodeURIComponent("/portal/deliveries?status=dead")}`);
  });

  it("signs in with an API key: HttpOnly SameSite=Strict cookie holding a token, never the key", async () => {
    const tenant = await createTenant("portal");
    const browser = new PortalBrowser(tenant.slug);
    const form = await browser.get("/portal/login");
    expect(form.status).toBe(200);
    expect(form.html).toContain('<label for="api_key">');
    const response = await browser.post("/portal/login", { method: "api_key", api_key: tenant.key, next: "/portal/api-keys" });
    expect(response.status).toBe(303);
    expect(response.location).toBe("/portal/api-keys");
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith("hg_portal="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/portal/);
    expect(cookie).not.toContain(tenant.key);
    const home = await browser.get("/portal");
    expect(home.status).toBe(200);
    expect(pageText(home.html)).toContain(tenant.slug);
    expect(home.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    expect(home.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses an open redirect after sign-in", async () => {
    const tenant = await createTenant("portal");
    const browser = new PortalBrowser(tenant.slug);
    await browser.get("/portal/login");
    const response = await browser.post("/portal/login", { method: "api_key", api_key: tenant.key, next: "https://evil.example/portal" });
    expect(response.location).toBe("/portal");
  });

  it("signs in with a service account", async () => {
    const tenant = await createTenant("portal");
    const created = await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, {
      method: "POST",
      json: { email: "ops@portal.example", password: "correct horse battery staple", scopes: ["api"] },
    });
    expect(created.status).toBe(201);
    const browser = new PortalBrowser(tenant.slug);
    await browser.get("/portal/login");
    const wrong = await browser.post("/portal/login", { method: "service_account", email: "ops@portal.example", password: "nope" });
    expect(wrong.status).toBe(401);
    expect(browser.cookies.has("hg_portal")).toBe(false);
    const right = await browser.post("/portal/login", { method: "service_account", email: "OPS@portal.example", password: "correct horse battery staple" });
    expect(right.status).toBe(303);
    expect(pageText((await browser.get("/portal")).html)).toContain("ops@portal.example");
  });

  it("refuses a wrong key, another tenant's key, no key and a key without the api scope, setting no session", async () => {
    const tenant = await createTenant("portal");
    const other = await createTenant("portal");
    const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
    const cases: [string, number, string][] = [
      ["hg_wrong_key_000000000000000000000000", 401, "not valid"],
      [other.key, 401, "not valid"],
      ["", 400, "Enter an API key"],
      [ticketsOnly.key, 403, "'api' scope"],
    ];
    for (const [key, status, message] of cases) {
      const browser = new PortalBrowser(tenant.slug);
      const response = await browser.signInWithKey(key);
      expect(response.status, key).toBe(status);
      expect(pageText(response.html)).toContain(message);
      expect(browser.cookies.has("hg_portal")).toBe(false);
    }
  });

  it("refuses a sign-in post without the form's CSRF token or from another origin", async () => {
    const tenant = await createTenant("portal");
    const browser = new PortalBrowser(tenant.slug);
    await browser.get("/portal/login");
    expect((await browser.post("/portal/login", { _csrf: undefined, method: "api_key", api_key: tenant.key })).status).toBe(403);
    expect((await browser.post("/portal/login", { _csrf: "forged", method: "api_key", api_key: tenant.key })).status).toBe(403);
    const crossSite = await browser.post("/portal/login", { method: "api_key", api_key: tenant.key }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(browser.cookies.has("hg_portal")).toBe(false);
  });
});

describe("portal session", () => {
  it("needs the session's CSRF token on every form, and a same-origin post", async () => {
    const tenant = await createTenant("portal");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    expect((await browser.post("/portal/logout", { _csrf: "forged" })).status).toBe(403);
    expect((await browser.post("/portal/logout", {}, { origin: "https://evil.example" })).status).toBe(403);
    expect((await browser.get("/portal")).status).toBe(200);
  });

  it("logout ends the session for good: replaying the old cookie goes back to sign-in", async () => {
    const tenant = await createTenant("portal");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const stolen = browser.cookies.get("hg_portal")!;
    const out = await browser.post("/portal/logout");
    expect(out.status).toBe(303);
    expect(out.location).toContain("/portal/login");
    expect(browser.cookies.has("hg_portal")).toBe(false);
    const replay = await SELF.fetch(tenantUrl(tenant.slug, "/portal"), { headers: { cookie: `hg_portal=${stolen}` }, redirect: "manual" });
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toContain("/portal/login");
  });

  it("renewal keeps the sign-in: logging out with the renewed cookie refuses the earlier one too", async () => {
    const tenant = await createTenant("portal");
    const first = await earlierSignIn(tenant, 20);
    const renewing = await portalWith(tenant.slug, first.token);
    expect(renewing.status).toBe(200);
    const second = sessionCookieOf(renewing);
    expect(second).toBeDefined();
    expect(second).not.toBe(first.token);
    expect((await portalWith(tenant.slug, second!)).status).toBe(200);

    expect((await logOutWith(tenant.slug, second!, first.claims.csrf)).status).toBe(303);
    for (const token of [first.token, second!]) {
      const refused = await portalWith(tenant.slug, token);
      expect(refused.status).toBe(303);
      expect(refused.headers.get("location")).toContain("/portal/login");
    }
  });

  it("logging out with the earlier cookie refuses the renewed one", async () => {
    const tenant = await createTenant("portal");
    const first = await earlierSignIn(tenant, 20);
    const second = sessionCookieOf(await portalWith(tenant.slug, first.token))!;
    expect((await portalWith(tenant.slug, second)).status).toBe(200);
    expect((await logOutWith(tenant.slug, first.token, first.claims.csrf)).status).toBe(303);
    expect((await portalWith(tenant.slug, second)).status).toBe(303);
    // Another sign-in of the same key is a separate session and stays open.
    const other = await earlierSignIn(tenant, 0);
    expect((await portalWith(tenant.slug, other.token)).status).toBe(200);
  });

  it("refuses a well-signed session token that names no sign-in (issued before sign-in ids)", async () => {
    const tenant = await createTenant("portal");
    const { claims } = await earlierSignIn(tenant, 0);
    const { sid: _sid, ...withoutSignIn } = claims;
    const legacy = await signToken(env.MASTER_KEY, "hookgate/portal-session/v1", withoutSignIn);
    expect((await portalWith(tenant.slug, legacy)).status).toBe(303);
  });

  it("revoking the API key ends its portal sessions", async () => {
    const tenant = await createTenant("portal");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    expect((await admin(`/admin/v1/tenants/${tenant.slug}/api-keys/${tenant.keyId}`, { method: "DELETE" })).status).toBe(204);
    const page = await browser.get("/portal");
    expect(page.status).toBe(303);
    expect(page.location).toContain("/portal/login");
  });

  it("a session cookie from one tenant does not open another tenant's portal", async () => {
    const tenant = await createTenant("portal");
    const other = await createTenant("portal");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const cookie = browser.cookies.get("hg_portal")!;
    const response = await SELF.fetch(tenantUrl(other.slug, "/portal"), { headers: { cookie: `hg_portal=${cookie}` }, redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toContain("/portal/login");
  });

  it("a session cookie is not an API credential, and a tampered one is refused", async () => {
    const tenant = await createTenant("portal");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const cookie = browser.cookies.get("hg_portal")!;
    const api = await SELF.fetch(tenantUrl(tenant.slug, "/api/v1/events"), { headers: { authorization: `AR-JWT ${cookie}` } });
    expect(api.status).toBe(401);
    const api2 = await SELF.fetch(tenantUrl(tenant.slug, "/api/v1/events"), { headers: { cookie: `hg_portal=${cookie}` } });
    expect(api2.status).toBe(401);
    const [header, payload, signature] = cookie.split(".");
    const tampered = `${header}.${payload}.${signature!.slice(0, -2)}AA`;
    const response = await SELF.fetch(tenantUrl(tenant.slug, "/portal"), { headers: { cookie: `hg_portal=${tampered}` }, redirect: "manual" });
    expect(response.status).toBe(303);
  });

  it("works on the path form /t/{tenant}/portal with the cookie scoped to that path", async () => {
    const tenant = await createTenant("portal");
    const browser = new PortalBrowser(tenant.slug, `/t/${tenant.slug}`);
    const response = await browser.signInWithKey(tenant.key);
    expect(response.status).toBe(303);
    expect(response.location).toBe(`/t/${tenant.slug}/portal`);
    expect(response.headers.getSetCookie().find((line) => line.startsWith("hg_portal="))).toContain(`Path=/t/${tenant.slug}/portal`);
    const home = await browser.get("/portal");
    expect(home.status).toBe(200);
    expect(home.html).toContain(`href="/t/${tenant.slug}/portal/subscriptions"`);
  });

  it("answers 404 for an unknown tenant and serves its assets", async () => {
    expect((await SELF.fetch(tenantUrl("no-such-tenant-here", "/portal/login"))).status).toBe(404);
    const tenant = await createTenant("portal");
    const css = await SELF.fetch(tenantUrl(tenant.slug, "/portal/assets/portal.css"));
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
  });
});

describe("portal sign-in throttle", () => {
  it("after 10 wrong passwords the 11th sign-in shows the message with 429 and Retry-After, even with the right password", async () => {
    const tenant = await createTenant("portal");
    const password = "correct horse battery staple";
    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "ops@portal.example", password, scopes: ["api"] } });
    const from = { "CF-Connecting-IP": "203.0.113.20" };
    const browser = new PortalBrowser(tenant.slug);
    await browser.get("/portal/login");
    for (let attempt = 0; attempt < 10; attempt++) {
      const wrong = await browser.post("/portal/login", { method: "service_account", email: "ops@portal.example", password: "nope" }, from);
      expect(wrong.status).toBe(401);
    }
    const refused = await browser.post("/portal/login", { method: "service_account", email: "ops@portal.example", password }, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(850);
    expect(pageText(refused.html)).toMatch(/Too many failed sign-ins .* try again in 15 minutes/);
    expect(browser.cookies.has("hg_portal")).toBe(false);
    // The address is throttled for the API key form too; another address still signs in with a key.
    expect((await browser.post("/portal/login", { method: "api_key", api_key: tenant.key }, from)).status).toBe(429);
    expect((await browser.post("/portal/login", { method: "api_key", api_key: tenant.key }, { "CF-Connecting-IP": "203.0.113.21" })).status).toBe(303);
  });
});
