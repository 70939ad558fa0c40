import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, call, countRows, createTenant, envelope } from "../../helpers";
import { HOOKS, createHook, type HookView } from "./hook-helpers";

const OKTA = { preset: "okta-event-hook", auth: { kind: "header_secret", headerName: "Authorization", secret: "okta-shared-secret-1" } };

describe("POST /api/v1/inbound-hooks", () => {
  it("creates a hook from a preset and answers 201 with the vendor URL and the secret masked", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, HOOKS, { key: tenant.key, json: { name: "Okta users", ...OKTA } });
    expect(response.status).toBe(201);
    const hook = await response.json<HookView>();
    expect(hook.id).toMatch(/^hook_[0-9a-f]{24}$/);
    expect(hook.url).toBe(`http://${tenant.slug}.${BASE_DOMAIN}/hooks/${hook.id}`);
    expect(hook).toMatchObject({ name: "Okta users", preset: "okta-event-hook", event: "create", form: "User", syncKeys: ["email", "okta_id"] });
    expect(hook.auth).toEqual({ kind: "header_secret", headerName: "Authorization", secret: "********" });
    expect(hook.template).toContain("alternateId");

    // The secret is sealed in KV, never in the row.
    const row = await env.DB.prepare("SELECT * FROM inbound_hooks WHERE id = ?").bind(hook.id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain("okta-shared-secret-1");
    const sealed = await env.SECRETS.get(row!.secret_ref!);
    expect(sealed).not.toBeNull();
    expect(sealed).not.toContain("okta-shared-secret-1");
  });

  it("generates a secret when none is given and shows it only in the create answer", async () => {
    const tenant = await createTenant();
    const hmacHook = await createHook(tenant, { preset: "generic-hmac", auth: { kind: "hmac" } });
    expect(hmacHook.auth).toMatchObject({ kind: "hmac", headerName: "X-Signature", algorithm: "sha256", encoding: "hex", prefix: "" });
    expect(hmacHook.auth.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const headerHook = await createHook(tenant, { preset: "generic-header-secret" });
    expect(headerHook.auth.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(headerHook.auth.secret).not.toBe(hmacHook.auth.secret);
    const swHook = await createHook(tenant, { preset: "standard-webhooks" });
    expect(swHook.auth.secret).toMatch(/^whsec_/);

    const fetched = await (await call(tenant.slug, `${HOOKS}/${hmacHook.id}`, { key: tenant.key })).json<HookView>();
    expect(fetched.auth.secret).toBe("********");
    const list = await (await call(tenant.slug, HOOKS, { key: tenant.key })).json<{ items: HookView[] }>();
    expect(list.items.map((hook) => hook.id)).toEqual([hmacHook.id, headerHook.id, swHook.id]);
    expect(list.items.every((hook) => hook.auth.secret === "********")).toBe(true);
  });

  it("keeps the settings the tenant gives over the preset's", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, {
      preset: "generic-hmac",
      event: "update",
      form: "Employee",
      syncKeys: ["employee_id", "email"],
      template: '{"employee_id": {{ body.id | tojson }}}',
      auth: { kind: "hmac", headerName: "X-Sig", algorithm: "sha512", encoding: "base64", prefix: "v1=", secret: "given-secret-123" },
    });
    expect(hook).toMatchObject({ event: "update", form: "Employee", syncKeys: ["employee_id", "email"], template: '{"employee_id": {{ body.id | tojson }}}' });
    expect(hook.auth).toEqual({ kind: "hmac", headerName: "X-Sig", algorithm: "sha512", encoding: "base64", prefix: "v1=", secret: "********" });
  });

  it("answers 409 CONFLICT for a name the tenant already uses, and another tenant may use it", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await createHook(tenant, { name: "Okta", ...OKTA });
    const again = await call(tenant.slug, HOOKS, { key: tenant.key, json: { name: "Okta", ...OKTA } });
    expect(again.status).toBe(409);
    expect((await envelope(again)).error.code).toBe("CONFLICT");
    expect(await countRows("inbound_hooks", tenant.id)).toBe(1);
    await createHook(other, { name: "Okta", ...OKTA });
  });

  describe("bad input is 400 and saves nothing", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["a template that does not parse", { name: "x", ...OKTA, template: '{"a": {{ body.a | tojson }' }, "template"],
      ["an unclosed block", { name: "x", ...OKTA, template: "{% if body.a %}{}" }, "template"],
      ["a template over the size limit", { name: "x", ...OKTA, template: `{"a": "${"x".repeat(17 * 1024)}"}` }, "template"],
      ["an unknown preset", { name: "x", preset: "salesforce" }, "preset"],
      ["a missing name", { preset: "github" }, "name"],
      ["an unknown event", { name: "x", ...OKTA, event: "delete" }, "event"],
      ["an auth kind the preset does not use", { name: "x", preset: "github", auth: { kind: "header_secret", secret: "abcdefgh1" } }, "auth.kind"],
      ["an unknown HMAC algorithm", { name: "x", preset: "github", auth: { kind: "hmac", algorithm: "md5" } }, "auth.algorithm"],
      ["a Standard Webhooks secret without whsec_", { name: "x", preset: "standard-webhooks", auth: { kind: "standard_webhooks", secret: "plainsecret123" } }, "auth.secret"],
      ["an empty sync key list", { name: "x", ...OKTA, syncKeys: [] }, "syncKeys"],
      ["a too short secret", { name: "x", ...OKTA, auth: { kind: "header_secret", secret: "short" } }, "auth.secret"],
    ];
    it.each(cases)("%s", async (_label, json, path) => {
      const tenant = await createTenant();
      const response = await call(tenant.slug, HOOKS, { key: tenant.key, json });
      expect(response.status).toBe(400);
      const body = await envelope(response);
      expect(body.error.code).toBe("VALIDATION_FAILED");
      expect(body.error.details?.map((detail) => detail.path)).toContain(path);
      expect(await countRows("inbound_hooks", tenant.id)).toBe(0);
    });
  });
});

describe("PUT and DELETE /api/v1/inbound-hooks/{id}", () => {
  it("PUT replaces the settings and keeps the secret when none is given", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { name: "one", ...OKTA });
    const before = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    const response = await call(tenant.slug, `${HOOKS}/${hook.id}`, {
      key: tenant.key,
      method: "PUT",
      json: { name: "renamed", preset: "okta-event-hook", event: "archive", syncKeys: ["okta_id"] },
    });
    expect(response.status).toBe(200);
    const updated = await response.json<HookView>();
    expect(updated).toMatchObject({ id: hook.id, name: "renamed", event: "archive", syncKeys: ["okta_id"] });
    expect(updated.auth.secret).toBe("********");
    const after = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    expect(after!.secret_ref).toBe(before!.secret_ref);
  });

  it("PUT with a new secret replaces the sealed one; a taken name is 409; a bad template is 400", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { name: "one", ...OKTA });
    await createHook(tenant, { name: "two", ...OKTA });
    const before = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    const rotated = await call(tenant.slug, `${HOOKS}/${hook.id}`, {
      key: tenant.key,
      method: "PUT",
      json: { name: "one", ...OKTA, auth: { kind: "header_secret", secret: "rotated-secret-2" } },
    });
    expect(rotated.status).toBe(200);
    const after = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    expect(after!.secret_ref).not.toBe(before!.secret_ref);
    expect(await env.SECRETS.get(before!.secret_ref)).toBeNull();

    const taken = await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key, method: "PUT", json: { name: "two", ...OKTA } });
    expect(taken.status).toBe(409);
    const broken = await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key, method: "PUT", json: { name: "one", ...OKTA, template: "{{" } });
    expect(broken.status).toBe(400);
    expect((await envelope(broken)).error.details?.[0]?.path).toBe("template");
  });

  it("DELETE removes the hook and its secret; then it is 404 everywhere", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { name: "gone", ...OKTA });
    const row = await env.DB.prepare("SELECT secret_ref FROM inbound_hooks WHERE id = ?").bind(hook.id).first<{ secret_ref: string }>();
    expect((await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    expect(await env.SECRETS.get(row!.secret_ref)).toBeNull();
    expect((await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key })).status).toBe(404);
    expect((await call(tenant.slug, `${HOOKS}/${hook.id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    const delivery = await call(tenant.slug, `/hooks/${hook.id}`, { json: {}, headers: { authorization: "okta-shared-secret-1" } });
    expect(delivery.status).toBe(404);
  });
});

describe("POST /api/v1/inbound-hooks/{id}/dry-run", () => {
  it("renders the template over a sample body and stores nothing", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, OKTA);
    const response = await call(tenant.slug, `${HOOKS}/${hook.id}/dry-run`, {
      key: tenant.key,
      json: {
        body: {
          eventId: "evt-1",
          data: {
            events: [
              { eventType: "user.lifecycle.create", target: [{ type: "User", id: "00u1", alternateId: "a@example.com", displayName: "A" }] },
              { eventType: "user.lifecycle.deactivate", target: [{ type: "AppUser", id: "0ua9" }, { type: "User", id: "00u2", alternateId: "b@example.com" }] },
            ],
          },
        },
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      eventId: "evt-1",
      items: [
        {
          action: "create",
          fields: { email: "a@example.com", okta_id: "00u1", display_name: "A", okta_event_type: "user.lifecycle.create" },
          syncKey: { name: "email", value: "a@example.com" },
        },
        { action: "create", fields: { email: "b@example.com", okta_id: "00u2", okta_event_type: "user.lifecycle.deactivate" }, syncKey: { name: "email", value: "b@example.com" } },
      ],
    });
    expect(await countRows("records", tenant.id)).toBe(0);
    expect(await countRows("events", tenant.id)).toBe(0);
  });

  it("uses the preset's documented sample when no body is given", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "bamboohr" });
    const response = await call(tenant.slug, `${HOOKS}/${hook.id}/dry-run`, { key: tenant.key, json: {} });
    expect(response.status).toBe(200);
    const result = await response.json<{ items: { fields: Record<string, unknown> }[] }>();
    expect(result.items[0]!.fields).toMatchObject({ employee_id: "4", email: "cabbott@efficientoffice.com", department: "Sales" });
  });

  it("answers 400 TEMPLATE_FAILED when the template does not render to an object", async () => {
    const tenant = await createTenant();
    const hook = await createHook(tenant, { preset: "generic-header-secret", template: "[{{ body.email | tojson }}]" });
    const response = await call(tenant.slug, `${HOOKS}/${hook.id}/dry-run`, { key: tenant.key, json: { body: { email: "x@example.com" } } });
    expect(response.status).toBe(400);
    const body = await envelope(response);
    expect(body.error.code).toBe("TEMPLATE_FAILED");
    expect(body.error.message).toMatch(/JSON object/);
  });
});

describe("security", () => {
  it("no key and another tenant's key are 401", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const hook = await createHook(tenant, OKTA);
    for (const key of [null, other.key, "hg_not_a_key"]) {
      expect((await call(tenant.slug, HOOKS, { key })).status).toBe(401);
      expect((await call(tenant.slug, `${HOOKS}/${hook.id}`, { key })).status).toBe(401);
      expect((await call(tenant.slug, HOOKS, { key, json: { name: "x", ...OKTA } })).status).toBe(401);
    }
    expect(await countRows("inbound_hooks", tenant.id)).toBe(1);
  });

  it("another tenant's hook is 404 for read, replace, delete and dry-run, and is left untouched", async () => {
    const victim = await createTenant("victim");
    const attacker = await createTenant("attacker");
    const hook = await createHook(victim, { name: "victim-hook", ...OKTA });
    const path = `${HOOKS}/${hook.id}`;
    expect((await call(attacker.slug, path, { key: attacker.key })).status).toBe(404);
    expect((await call(attacker.slug, path, { key: attacker.key, method: "PUT", json: { name: "pwned", ...OKTA } })).status).toBe(404);
    expect((await call(attacker.slug, path, { key: attacker.key, method: "DELETE" })).status).toBe(404);
    expect((await call(attacker.slug, `${path}/dry-run`, { key: attacker.key, json: {} })).status).toBe(404);
    const list = await (await call(attacker.slug, HOOKS, { key: attacker.key })).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
    const intact = await (await call(victim.slug, path, { key: victim.key })).json<HookView>();
    expect(intact.name).toBe("victim-hook");
  });
});
