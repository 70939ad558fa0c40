/** The portal's audit log page: navigation, rows with actor and target, paging, tenant isolation. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { database } from "../../src/db/client";
import { auditRow } from "../../src/audit/audit-log";
import { PortalBrowser, pageText } from "./portal-client";

/** Rows of the page's table. */
const rows = (html: string): string[] => [...(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0] ?? "").matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((match) => pageText(match[1]!));

describe("portal audit log", () => {
  it("is in the navigation and lists who changed what, newest first, secrets only as changed", async () => {
    const tenant = await createTenant("paudit");
    const hookSecret = "portal-audit-hook-secret";
    await call(tenant.slug, "/api/v1/inbound-hooks", { key: tenant.key, json: { name: "Okta", preset: "okta-event-hook", auth: { kind: "header_secret", secret: hookSecret } } });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const home = await browser.get("/portal");
    expect(home.html).toContain('href="/portal/audit-log"');

    const page = await browser.get("/portal/audit-log");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<a href="/portal/audit-log" aria-current="page">Audit log</a>');
    expect(page.html).not.toContain(hookSecret);
    const [hook, key] = rows(page.html);
    expect(hook).toContain("inbound_hook.created");
    expect(hook).toContain(`API key ${tenant.keyId}`);
    expect(hook).toContain('secret : "changed"');
    expect(hook).toContain('name : "Okta"');
    expect(key).toContain("api_key.created");
    expect(key).toContain("Operator");
    expect(key).toContain(tenant.keyId);
  });

  it("names a change made in the portal after its sign-in", async () => {
    const tenant = await createTenant("paudit");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/api-keys");
    expect((await browser.post("/portal/api-keys", { name: "made in the portal", scopes: ["api"] })).status).toBe(201);
    const [newest] = rows((await browser.get("/portal/audit-log")).html);
    expect(newest).toContain("api_key.created");
    expect(newest).toContain(`Portal ${tenant.keyId}`);
    expect(newest).toContain('"made in the portal"');
  });

  it("pages to older entries with Older →, and back with ← Newest", async () => {
    const tenant = await createTenant("paudit");
    const db = database(env.DB);
    const start = Date.now() - 60_000;
    for (let n = 0; n < 55; n++) await auditRow(db, tenant.id, { actor: { kind: "admin", id: "admin" }, action: "provisioning_destination.created", targetId: `dest-${n}` }, { now: start + n });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const first = await browser.get("/portal/audit-log");
    expect(rows(first.html)).toHaveLength(50);
    // The tenant's key (made just now) is the newest, then the inserted rows from the last.
    expect(rows(first.html)[1]).toContain("dest-54");
    const older = /<a href="([^"]+)">Older →<\/a>/.exec(first.html)![1]!.replace(/&amp;/g, "&");
    const second = await browser.get(older);
    expect(rows(second.html)).toHaveLength(6);
    expect(rows(second.html)[5]).toContain("dest-0");
    expect(second.html).not.toContain("Older →");
    expect(pageText(second.html)).toContain("← Newest");
  });

  it("shows only this tenant's entries; without a session it sends to sign-in; a bad cursor is 400", async () => {
    const tenant = await createTenant("paudit");
    const other = await createTenant("paudit");
    await call(other.slug, "/api/v1/api-keys", { key: other.key, json: { name: "other tenant's key" } });
    expect((await new PortalBrowser(tenant.slug).get("/portal/audit-log")).status).toBe(303);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/audit-log");
    expect(rows(page.html)).toHaveLength(1);
    expect(page.html).not.toContain("other tenant's key");
    const bad = await browser.get("/portal/audit-log?cursor=nonsense");
    expect(bad.status).toBe(400);
    expect(pageText(bad.html)).toContain("VALIDATION_FAILED");
  });
});
