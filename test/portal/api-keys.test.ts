import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createApiKey, createTenant } from "../helpers";
import { PortalBrowser, pageText } from "./portal-client";

const newKeyOn = (html: string): string | undefined => /<input id="new-api-key" type="text" readonly="" value="([^"]+)"/.exec(html)?.[1];
const keyCount = async (tenantId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())?.n ?? 0;

describe("portal API keys", () => {
  it("lists keys without secrets, with the create form and a Revoke button per live key", async () => {
    const tenant = await createTenant("pkeys");
    await createApiKey(tenant.slug, ["tickets"]);
    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal/api-keys");
    expect(page.status).toBe(200);
    expect(page.html).not.toContain(tenant.key);
    const text = pageText(page.html);
    expect(text).toContain("tickets, hr, api");
    expect(text).toContain("(this session)");
    expect(page.html.match(/>Revoke<\/button>/g)).toHaveLength(2);
    expect(page.html).toContain("data-confirm=");
    expect(page.html).toContain('<label for="key-name">Name</label>');
    for (const scope of ["tickets", "hr", "api"]) expect(page.html).toContain(`<label for="key-scope-${scope}">`);
    expect(page.html).toContain(">Create API key</button>");
  });

  it("creates a key and shows it once (201, in the page, not in a URL); the key works for the API", async () => {
    const tenant = await createTenant("pkeys");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    const created = await browser.post("/portal/api-keys", { name: "ci runner", scopes: ["api", "tickets"] });
    expect(created.status).toBe(201);
    expect(created.location).toBeNull();
    // The page holds a secret: never cached, same CSP as every portal page.
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.headers.get("content-security-policy")).toContain("script-src 'self'");
    const key = newKeyOn(created.html)!;
    expect(key).toMatch(/^hg_/);
    expect(created.html).toContain('<label for="new-api-key">New API key</label>');
    expect(pageText(created.html)).toContain("won't be shown again");
    // Reloading the page must not post the form again: the script swaps the address for the list's.
    expect(created.html).toContain('data-canonical-url="/portal/api-keys"');
    expect(pageText(created.html)).toContain("ci runner");

    expect((await call(tenant.slug, "/api/v1/events", { key })).status).toBe(200);
    const listed = await (await call(tenant.slug, "/api/v1/api-keys", { key })).json<{ items: { name: string; scopes: string[] }[] }>();
    expect(listed.items.find((item) => item.name === "ci runner")?.scopes).toEqual(["api", "tickets"]);

    const again = await browser.get("/portal/api-keys");
    expect(again.html).not.toContain(key);
    expect(newKeyOn(again.html)).toBeUndefined();
  });

  it("re-renders the form with the API's error and what was typed; nothing is created", async () => {
    const tenant = await createTenant("pkeys");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    const noScopes = await browser.post("/portal/api-keys", { name: "half done" });
    expect(noScopes.status).toBe(400);
    expect(pageText(noScopes.html)).toContain("VALIDATION_FAILED");
    expect(noScopes.html).toContain('value="half done"');
    expect(newKeyOn(noScopes.html)).toBeUndefined();
    const blank = await browser.post("/portal/api-keys", { name: "  ", scopes: "api" });
    expect(blank.status).toBe(400);
    expect(await keyCount(tenant.id)).toBe(1);
  });

  it("refuses a scope the signed-in key does not hold: 403 FORBIDDEN, nothing created", async () => {
    const tenant = await createTenant("pkeys");
    const apiOnly = await createApiKey(tenant.slug, ["api"]);
    const browser = await new PortalBrowser(tenant.slug).signedIn(apiOnly.key);
    await browser.get("/portal/api-keys");
    const response = await browser.post("/portal/api-keys", { name: "escalate", scopes: ["api", "hr"] });
    expect(response.status).toBe(403);
    expect(pageText(response.html)).toContain("FORBIDDEN");
    expect(response.html).toMatch(/id="key-scope-hr" name="scopes" value="hr" checked=""/);
    expect(await keyCount(tenant.id)).toBe(2);
  });

  it("revokes a key: the API refuses it at once (even cached) and the list shows it revoked", async () => {
    const tenant = await createTenant("pkeys");
    const victim = await createApiKey(tenant.slug, ["api"]);
    expect((await call(tenant.slug, "/api/v1/events", { key: victim.key })).status).toBe(200);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    const revoked = await browser.post(`/portal/api-keys/${victim.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.location).toContain("notice=");
    expect((await call(tenant.slug, "/api/v1/events", { key: victim.key })).status).toBe(401);
    const page = await browser.get(revoked.location!);
    expect(pageText(page.html)).toContain("API key revoked.");
    expect(page.html.match(/>Revoke<\/button>/g)).toHaveLength(1);
    expect(pageText(page.html)).toContain("revoked");
  });

  it("revoking the key this session signed in with ends the session and sends the user to sign-in", async () => {
    const tenant = await createTenant("pkeys");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    const revoked = await browser.post(`/portal/api-keys/${tenant.keyId}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.location).toMatch(/^\/portal\/login\?notice=/);
    expect(browser.cookies.has("hg_portal")).toBe(false);
    expect((await browser.get("/portal/api-keys")).status).toBe(303);
    expect((await call(tenant.slug, "/api/v1/events", { key: tenant.key })).status).toBe(401);
  });

  it("cannot revoke another tenant's key: error shown, that key keeps working; no session goes to sign-in", async () => {
    const tenant = await createTenant("pkeys");
    const other = await createTenant("pkeys");
    expect((await new PortalBrowser(tenant.slug).get("/portal/api-keys")).status).toBe(303);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    const response = await browser.post(`/portal/api-keys/${other.keyId}/revoke`);
    expect(response.status).toBe(303);
    expect(decodeURIComponent(response.location!.replace(/\+/g, " "))).toContain("NOT_FOUND");
    expect((await call(other.slug, "/api/v1/events", { key: other.key })).status).toBe(200);
    const page = await browser.get("/portal/api-keys");
    expect(page.html).not.toContain(other.keyId);
  });

  it("refuses a form post without the CSRF field", async () => {
    const tenant = await createTenant("pkeys");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const response = await browser.post("/portal/api-keys", { _csrf: undefined, name: "csrf", scopes: "api" });
    expect(response.status).toBe(403);
    expect(await keyCount(tenant.id)).toBe(1);
  });
});
