/**
 * Every management action writes one audit row naming its actor, its target and what changed: API keys,
 * service accounts, subscriptions (and their signing secrets), inbound hooks, lifecycle hooks and provisioning
 * destinations. Secrets show only as "changed": no stored row holds one, checked by searching the table.
 */
import { describe, expect, it } from "vitest";
import { admin, call, createTenant, type TestTenant } from "../helpers";
import { auditLog, lastEntry, storedAuditText } from "./audit-helpers";

const WEBHOOKS = "/api/arsys/v1.0/webhook";

const basicRegistration = (password: string) => ({
  description: "audited",
  form_name: "Widget",
  entry_events: ["create", "update"],
  callback: { url: "https://receiver.example/audit", authentication: { type: "basic", username: "Demo", password } },
  payload_fields: ["Status"],
});

async function registerWebhook(tenant: TestTenant, json: unknown): Promise<string> {
  const response = await call(tenant.slug, WEBHOOKS, { key: tenant.key, json });
  expect(response.status).toBe(201);
  return response.headers.get("location")!.split("/").pop()!;
}

describe("audit log: each management action", () => {
  it("API keys: created (name, scopes) and revoked, by the key that did it", async () => {
    const tenant = await createTenant("audit-keys");
    const created = await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key, json: { name: "ci", scopes: ["api"] } })).json<{ id: string; key: string }>();
    expect((await call(tenant.slug, `/api/v1/api-keys/${created.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);

    const [revoked, made, adminMade] = await auditLog(tenant);
    expect(made).toMatchObject({ action: "api_key.created", actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "api_key", id: created.id }, changes: { name: "ci", scopes: ["api"] } });
    expect(revoked).toMatchObject({ action: "api_key.revoked", actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "api_key", id: created.id }, changes: { cascade: false } });
    // The tenant's first key came from the operator's admin API.
    expect(adminMade).toMatchObject({ action: "api_key.created", actor: { kind: "admin", id: "admin" }, target: { id: tenant.keyId } });
    expect(Date.parse(made!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    // A revocation that finds nothing live logs nothing.
    expect((await call(tenant.slug, `/api/v1/api-keys/${created.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect(await auditLog(tenant)).toHaveLength(3);
    expect(await storedAuditText(tenant.id)).not.toContain(created.key);
  });

  it("service accounts: created and deleted by the operator; the password only as changed", async () => {
    const tenant = await createTenant("audit-sa");
    const password = "correct horse battery staple";
    const response = await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "Ops@Example.com", password, scopes: ["api"] } });
    const account = await response.json<{ id: string; createdBy: unknown }>();
    expect(account.createdBy).toEqual({ kind: "admin", id: "admin" });
    expect((await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts/${account.id}`, { method: "DELETE" })).status).toBe(204);

    const [deleted, created] = await auditLog(tenant);
    expect(created).toMatchObject({ action: "service_account.created", actor: { kind: "admin", id: "admin" }, target: { kind: "service_account", id: account.id } });
    expect(created!.changes).toEqual({ email: "ops@example.com", scopes: ["api"], password: "changed" });
    expect(deleted).toMatchObject({ action: "service_account.deleted", actor: { kind: "admin" }, target: { kind: "service_account", id: account.id }, changes: {} });
    expect(await storedAuditText(tenant.id)).not.toContain(password);
  });

  it("subscriptions: created with their settings, updated with only what changed, secret rotated, deleted", async () => {
    const tenant = await createTenant("audit-subs");
    const id = await registerWebhook(tenant, basicRegistration("first-callback-password"));
    const created = await lastEntry(tenant, "subscription.created");
    expect(created).toMatchObject({ actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "subscription", id } });
    expect(created.changes).toMatchObject({ formName: "Widget", entryEvents: ["create", "update"], callbackUrl: "https://receiver.example/audit", authType: "BASIC", authSettings: { username: "Demo" }, password: "changed", signingSecret: "changed" });

    const replaced = { ...basicRegistration("********"), entry_events: ["create", "update", "delete"] };
    expect((await call(tenant.slug, `${WEBHOOKS}/${id}`, { key: tenant.key, method: "PUT", json: replaced })).status).toBe(204);
    expect((await lastEntry(tenant, "subscription.updated")).changes).toEqual({ entryEvents: ["create", "update", "delete"] });
    expect((await call(tenant.slug, `${WEBHOOKS}/${id}`, { key: tenant.key, method: "PUT", json: basicRegistration("second-callback-password") })).status).toBe(204);
    expect((await lastEntry(tenant, "subscription.updated")).changes).toEqual({ entryEvents: ["create", "update"], password: "changed" });

    const rotated = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/rotate-secret`, { key: tenant.key, method: "POST" })).json<{ key: string }>();
    expect(await lastEntry(tenant, "subscription.signing_secret_rotated")).toMatchObject({ target: { kind: "subscription", id }, changes: { signingSecret: "changed" } });
    expect((await call(tenant.slug, `${WEBHOOKS}/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await lastEntry(tenant, "subscription.deleted")).toMatchObject({ actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "subscription", id } });

    const stored = await storedAuditText(tenant.id);
    for (const secret of ["first-callback-password", "second-callback-password", rotated.key]) expect(stored).not.toContain(secret);
  });

  it("subscriptions: no secret of any callback type is stored (BEARER, IMS, OAuth2)", async () => {
    const tenant = await createTenant("audit-subs-auth");
    const secrets = { token: "bearer-token-never-logged", accessSecretKey: "ims-secret-never-logged", clientSecret: "oauth-secret-never-logged" };
    const callbacks = [
      { url: "https://receiver.example/bearer", authentication: { type: "BEARER", token: secrets.token } },
      { url: "https://receiver.example/ims", authentication: { type: "IMS", accessKey: "AK1", accessSecretKey: secrets.accessSecretKey, tenantId: "1", authBaseUrl: "https://ims.example", authAccessTokenPath: "/login", authRefreshTokenPath: "/refresh", authHeaderTokenName: "IMS-JWT" } },
      { url: "https://receiver.example/oauth2", authentication: { type: "oauth2", tokenUrl: "https://login.example/token", clientId: "client-1", clientSecret: secrets.clientSecret } },
    ];
    for (const callback of callbacks) await registerWebhook(tenant, { ...basicRegistration("unused"), callback });
    const entries = (await auditLog(tenant)).filter((item) => item.action === "subscription.created");
    expect(entries.map((entry) => Object.keys(entry.changes).filter((name) => entry.changes[name] === "changed").sort())).toEqual([
      ["clientSecret", "signingSecret"],
      ["accessSecretKey", "signingSecret"],
      ["signingSecret", "token"],
    ]);
    expect(entries[1]!.changes.authSettings).toMatchObject({ accessKey: "AK1", authBaseUrl: "https://ims.example" });
    const stored = await storedAuditText(tenant.id);
    for (const secret of Object.values(secrets)) expect(stored).not.toContain(secret);
  });

  it("inbound hooks: created, updated (a new secret only as changed), deleted", async () => {
    const tenant = await createTenant("audit-hooks");
    const input = { name: "Okta users", preset: "okta-event-hook", auth: { kind: "header_secret", headerName: "Authorization", secret: "okta-secret-number-one" } };
    const hook = await (await call(tenant.slug, "/api/v1/inbound-hooks", { key: tenant.key, json: input })).json<{ id: string }>();
    const created = await lastEntry(tenant, "inbound_hook.created");
    expect(created).toMatchObject({ actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "inbound_hook", id: hook.id } });
    expect(created.changes).toMatchObject({ name: "Okta users", preset: "okta-event-hook", authKind: "header_secret", authSettings: { headerName: "Authorization" }, event: "create", form: "User", secret: "changed" });

    const replaced = { ...input, name: "Okta people", auth: { ...input.auth, secret: "okta-secret-number-two" } };
    expect((await call(tenant.slug, `/api/v1/inbound-hooks/${hook.id}`, { key: tenant.key, method: "PUT", json: replaced })).status).toBe(200);
    expect((await lastEntry(tenant, "inbound_hook.updated")).changes).toEqual({ name: "Okta people", secret: "changed" });
    const kept = { name: "Okta people", preset: "okta-event-hook", auth: { kind: "header_secret", headerName: "Authorization" } };
    expect((await call(tenant.slug, `/api/v1/inbound-hooks/${hook.id}`, { key: tenant.key, method: "PUT", json: kept })).status).toBe(200);
    expect((await lastEntry(tenant, "inbound_hook.updated")).changes).toEqual({});

    expect((await call(tenant.slug, `/api/v1/inbound-hooks/${hook.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await lastEntry(tenant, "inbound_hook.deleted")).toMatchObject({ target: { kind: "inbound_hook", id: hook.id }, changes: {} });
    const stored = await storedAuditText(tenant.id);
    for (const secret of ["okta-secret-number-one", "okta-secret-number-two"]) expect(stored).not.toContain(secret);
  });

  it("lifecycle hooks: created, then updated with what changed; the token only as changed", async () => {
    const tenant = await createTenant("audit-lifecycle");
    const put = (json: unknown) => call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json });
    expect((await put({ baseUrl: "https://hooks.tenant.example/webhook", token: "lifecycle-token-one", enabled: ["validateUser"] })).status).toBe(200);
    const created = await lastEntry(tenant, "lifecycle_hooks.created");
    expect(created).toMatchObject({ actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "lifecycle_hooks", id: tenant.id } });
    expect(created.changes).toEqual({ baseUrl: "https://hooks.tenant.example/webhook", enabled: ["validateUser"], timeoutMs: 3000, onTimeout: "reject", token: "changed" });

    expect((await put({ baseUrl: "https://hooks.tenant.example/webhook", token: "********", enabled: ["validateUser", "postCreateUser"], timeoutMs: 5000 })).status).toBe(200);
    expect((await lastEntry(tenant, "lifecycle_hooks.updated")).changes).toEqual({ enabled: ["validateUser", "postCreateUser"], timeoutMs: 5000 });
    expect((await put({ baseUrl: "https://hooks.tenant.example/webhook", token: "lifecycle-token-two", enabled: [] })).status).toBe(200);
    expect((await lastEntry(tenant, "lifecycle_hooks.updated")).changes).toEqual({ enabled: [], timeoutMs: 3000, token: "changed" });
    const stored = await storedAuditText(tenant.id);
    for (const secret of ["lifecycle-token-one", "lifecycle-token-two"]) expect(stored).not.toContain(secret);
  });

  it("provisioning destinations: created and deleted", async () => {
    const tenant = await createTenant("audit-dest");
    const destination = await (await call(tenant.slug, "/api/v1/provisioning-destinations", { key: tenant.key, json: { name: "Workday", type: "generic" } })).json<{ plugin_id: string }>();
    expect((await call(tenant.slug, `/api/v1/provisioning-destinations/${destination.plugin_id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    const [deleted, created] = await auditLog(tenant);
    expect(created).toMatchObject({ action: "provisioning_destination.created", target: { kind: "provisioning_destination", id: destination.plugin_id }, changes: { name: "Workday", type: "generic" } });
    expect(deleted).toMatchObject({ action: "provisioning_destination.deleted", actor: { kind: "api_key", id: tenant.keyId }, target: { id: destination.plugin_id } });
  });

  it("a refused change logs nothing (validation error, conflict, unknown target)", async () => {
    const tenant = await createTenant("audit-refused");
    const before = (await auditLog(tenant)).length;
    await registerWebhook(tenant, basicRegistration("pw-one"));
    expect((await call(tenant.slug, WEBHOOKS, { key: tenant.key, json: basicRegistration("pw-two") })).status).toBe(409);
    expect((await call(tenant.slug, `${WEBHOOKS}/WBH999999999999`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect((await call(tenant.slug, "/api/v1/provisioning-destinations", { key: tenant.key, json: { name: "", type: "generic" } })).status).toBe(400);
    expect((await call(tenant.slug, "/api/v1/provisioning-destinations/nope", { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect((await auditLog(tenant)).map((item) => item.action)).toHaveLength(before + 1);
  });
});
