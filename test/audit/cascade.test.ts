/**
 * What a key minted, and revoking it with them: every key lists who created it (`createdBy`: an API key, a
 * portal sign-in, or the operator), and `DELETE …/api-keys/{id}?cascade=true` revokes the key and every key it
 * minted, directly, in a portal session it signed in to, or through keys it minted. Without `cascade` the keys
 * it minted live on (the listing and the audit log show where they came from).
 */
import { describe, expect, it } from "vitest";
import { admin, call, createApiKey, createTenant, envelope, type TestTenant } from "../helpers";
import { PortalBrowser } from "../portal/portal-client";
import { auditLog } from "./audit-helpers";

interface Listed {
  id: string;
  name: string;
  createdBy: { kind: string; id: string } | null;
  revokedAt: string | null;
}

const listKeys = async (tenant: TestTenant): Promise<Listed[]> =>
  (await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key })).json<{ items: Listed[] }>()).items;

async function mint(tenant: TestTenant, key: string, name: string): Promise<{ id: string; key: string }> {
  const response = await call(tenant.slug, "/api/v1/api-keys", { key, json: { name } });
  expect(response.status).toBe(201);
  return response.json();
}

/** A key made in the portal by a session signed in with `key`: its id, read back from the listing. */
async function mintInPortal(tenant: TestTenant, key: string, name: string): Promise<string> {
  const browser = await new PortalBrowser(tenant.slug).signedIn(key);
  await browser.get("/portal/api-keys");
  expect((await browser.post("/portal/api-keys", { name, scopes: ["api"] })).status).toBe(201);
  return (await listKeys(tenant)).find((item) => item.name === name)!.id;
}

const works = async (tenant: TestTenant, key: string): Promise<boolean> => (await call(tenant.slug, "/api/v1/events", { key })).status === 200;

describe("createdBy and cascading revocation", () => {
  it("lists who created each key: the operator, a key, a portal sign-in with a key or with a service account", async () => {
    const tenant = await createTenant("minted-by");
    const child = await mint(tenant, tenant.key, "by key");
    const viaKey = await mintInPortal(tenant, tenant.key, "in portal by key");
    const password = "portal-account-password";
    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "ops@example.com", password, scopes: ["api"] } });
    const browser = new PortalBrowser(tenant.slug);
    await browser.get("/portal/login");
    expect((await browser.post("/portal/login", { method: "service_account", email: "ops@example.com", password })).status).toBe(303);
    await browser.get("/portal/api-keys");
    expect((await browser.post("/portal/api-keys", { name: "in portal by account", scopes: ["api"] })).status).toBe(201);

    const byName = Object.fromEntries((await listKeys(tenant)).map((item) => [item.name, item]));
    expect(byName.test!.createdBy).toEqual({ kind: "admin", id: "admin" });
    expect(byName["by key"]!.createdBy).toEqual({ kind: "api_key", id: tenant.keyId });
    expect(byName["in portal by key"]!.createdBy).toEqual({ kind: "portal", id: tenant.keyId });
    expect(byName["in portal by account"]!.createdBy).toEqual({ kind: "portal", id: "ops@example.com" });
    const admins = await (await admin(`/admin/v1/tenants/${tenant.slug}/api-keys`)).json<{ items: Listed[] }>();
    expect(admins.items.find((item) => item.id === child.id)!.createdBy).toEqual({ kind: "api_key", id: tenant.keyId });

    const created = (await auditLog(tenant)).filter((item) => item.action === "api_key.created");
    expect(created.map((item) => [item.target.id, item.actor])).toEqual([
      [byName["in portal by account"]!.id, { kind: "portal", id: "ops@example.com" }],
      [viaKey, { kind: "portal", id: tenant.keyId }],
      [child.id, { kind: "api_key", id: tenant.keyId }],
      [tenant.keyId, { kind: "admin", id: "admin" }],
    ]);
  });

  it("without cascade, revoking a leaked key leaves the keys it minted working", async () => {
    const tenant = await createTenant("minted-plain");
    const leaked = await createApiKey(tenant.slug, ["api"]);
    const minted = await mint(tenant, leaked.key, "planted");
    expect((await call(tenant.slug, `/api/v1/api-keys/${leaked.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await works(tenant, leaked.key)).toBe(false);
    expect(await works(tenant, minted.key)).toBe(true);
    expect((await listKeys(tenant)).find((item) => item.id === minted.id)).toMatchObject({ createdBy: { kind: "api_key", id: leaked.id }, revokedAt: null });
  });

  it("?cascade=true revokes the key and everything it minted, transitively and through the portal; nothing else", async () => {
    const tenant = await createTenant("minted-cascade");
    const leaked = await createApiKey(tenant.slug, ["api"]);
    const first = await mint(tenant, leaked.key, "first");
    const grandchild = await mint(tenant, first.key, "grandchild");
    const inPortal = await mintInPortal(tenant, leaked.key, "portal-made");
    const bystander = await mint(tenant, tenant.key, "bystander");

    const response = await call(tenant.slug, `/api/v1/api-keys/${leaked.id}?cascade=true`, { key: tenant.key, method: "DELETE" });
    expect(response.status).toBe(204);
    for (const key of [leaked.key, first.key, grandchild.key]) expect(await works(tenant, key)).toBe(false);
    expect(await works(tenant, bystander.key)).toBe(true);
    expect(await works(tenant, tenant.key)).toBe(true);
    const revoked = (await listKeys(tenant)).filter((item) => item.revokedAt !== null).map((item) => item.id);
    expect(revoked.sort()).toEqual([leaked.id, first.id, grandchild.id, inPortal].sort());

    const revocations = (await auditLog(tenant)).filter((item) => item.action === "api_key.revoked");
    expect(revocations).toHaveLength(4);
    for (const entry of revocations) expect(entry.actor).toEqual({ kind: "api_key", id: tenant.keyId });
    expect(revocations.find((entry) => entry.target.id === leaked.id)!.changes).toEqual({ cascade: true });
    for (const id of [first.id, grandchild.id, inPortal]) expect(revocations.find((entry) => entry.target.id === id)!.changes).toEqual({ revokedWith: leaked.id });
  });

  it("cascades from a key revoked earlier; 404 once nothing it minted is live", async () => {
    const tenant = await createTenant("minted-late");
    const leaked = await createApiKey(tenant.slug, ["api"]);
    const minted = await mint(tenant, leaked.key, "planted");
    expect((await call(tenant.slug, `/api/v1/api-keys/${leaked.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect((await call(tenant.slug, `/api/v1/api-keys/${leaked.id}?cascade=true`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await works(tenant, minted.key)).toBe(false);
    const again = await call(tenant.slug, `/api/v1/api-keys/${leaked.id}?cascade=true`, { key: tenant.key, method: "DELETE" });
    expect(again.status).toBe(404);
    expect((await envelope(again)).error.code).toBe("NOT_FOUND");
  });

  it("the portal offers the cascade for a key that minted live keys, and it revokes them", async () => {
    const tenant = await createTenant("minted-portal");
    const leaked = await createApiKey(tenant.slug, ["api"]);
    const minted = await mint(tenant, leaked.key, "planted");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/api-keys");
    expect(page.html.match(/>Revoke with the keys it created<\/button>/g)).toHaveLength(1);
    expect(page.html).toContain(`action="/portal/api-keys/${leaked.id}/revoke"`);
    const revoked = await browser.post(`/portal/api-keys/${leaked.id}/revoke`, { cascade: "true" });
    expect(revoked.status).toBe(303);
    expect(decodeURIComponent(revoked.location!.replace(/\+/g, " "))).toContain("with every key it created");
    expect(await works(tenant, leaked.key)).toBe(false);
    expect(await works(tenant, minted.key)).toBe(false);
    const after = await browser.get("/portal/api-keys");
    expect(after.html).not.toContain("Revoke with the keys it created");
    const revocations = (await auditLog(tenant)).filter((item) => item.action === "api_key.revoked");
    expect(revocations.map((entry) => entry.actor)).toEqual([{ kind: "portal", id: tenant.keyId }, { kind: "portal", id: tenant.keyId }]);
  });

  it("the operator cascades too (admin API), named `admin` in the log; a bad cascade value is 400", async () => {
    const tenant = await createTenant("minted-admin");
    const leaked = await createApiKey(tenant.slug, ["api"]);
    const minted = await mint(tenant, leaked.key, "planted");
    const bad = await call(tenant.slug, `/api/v1/api-keys/${leaked.id}?cascade=yes`, { key: tenant.key, method: "DELETE" });
    expect(bad.status).toBe(400);
    expect(await works(tenant, leaked.key)).toBe(true);
    expect((await admin(`/admin/v1/tenants/${tenant.slug}/api-keys/${leaked.id}?cascade=true`, { method: "DELETE" })).status).toBe(204);
    expect(await works(tenant, minted.key)).toBe(false);
    const revocations = (await auditLog(tenant)).filter((item) => item.action === "api_key.revoked");
    expect(revocations.map((entry) => entry.actor)).toEqual([{ kind: "admin", id: "admin" }, { kind: "admin", id: "admin" }]);
  });
});
