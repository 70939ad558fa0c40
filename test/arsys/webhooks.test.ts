import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { BASE_DOMAIN, call, createApiKey, createTenant, type TestTenant } from "../helpers";
import { createEntry, deliveryStub, listDeliveries, startReceiver, subscribe, type Receiver } from "../delivery/harness";

const BASE = "/api/arsys/v1.0/webhook";

/** Seed 003's first registration example, verbatim apart from the placeholder URL. */
const SEED_BASIC = {
  description: "testWebhook",
  form_name: "HPD:Help Desk",
  condition: "'Status' !=\"Closed\"",
  entry_events: ["create", "update", "merge", "delete"],
  callback: { url: "http://receiver.example:8080/webhook", authentication: { type: "basic", username: "Demo", password: "Demo123" } },
  payload_fields: ["Description", "Impact", "Urgency", "Status"],
};

/** Seed 003's IMS example. */
const SEED_IMS = {
  description: "Test Webhook For IMS",
  form_name: "User",
  entry_events: ["create", "update", "merge", "delete"],
  callback: {
    url: "http://clm-pun-swhrm3:9090/create",
    authentication: {
      type: "IMS",
      accessKey: "SCLTZ1UG33RA9LTXLGVMR0SWBQI0VY",
      accessSecretKey: "tfMaboPDU9TEfQrCTKYi2xDeAOzLkv8ZtZbVdxHAJuKiN3DRjI",
      tenantId: "1697761359",
      authBaseUrl: "https://bmcitsm-adeintqa1-trial.qa.sps.secops.bmc.com",
      authAccessTokenPath: "/ims/api/v1/access_keys/login",
      authRefreshTokenPath: "/ims/api/v1/auth/tokens",
      authHeaderTokenName: "IMS-JWT",
    },
  },
};

const BEARER = {
  ...SEED_BASIC,
  callback: { url: "https://receiver.example/bearer", authentication: { type: "BEARER", token: "bearer-token-kept-sealed" } },
};

const OAUTH2 = {
  ...SEED_BASIC,
  callback: {
    url: "https://receiver.example/oauth2",
    authentication: { type: "oauth2", tokenUrl: "https://login.example/oauth2/token", clientId: "client-1", clientSecret: "client-secret-kept-sealed", scope: "webhooks" },
  },
};

interface ArMessage {
  messageType: string;
  messageText: string;
  messageAppendedText: string;
  messageNumber: number;
}

async function register(tenant: TestTenant, json: unknown = SEED_BASIC): Promise<{ response: Response; id: string }> {
  const response = await call(tenant.slug, BASE, { key: tenant.key, json });
  const location = response.headers.get("location") ?? "";
  return { response, id: location.split("/").pop() ?? "" };
}

const read = async (tenant: TestTenant, id: string) => (await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key })).json<Record<string, unknown> & { callback: { authentication: Record<string, unknown> } }>();

describe("AR webhook registration API", () => {
  it("registers the seed's webhook: 201, empty body, absolute Location with a sequential WBH id", async () => {
    const tenant = await createTenant("ar");
    const { response, id } = await register(tenant);
    expect(response.status).toBe(201);
    expect(await response.text()).toBe("");
    expect(response.headers.get("location")).toBe(`http://${tenant.slug}.${BASE_DOMAIN}${BASE}/WBH000000000001`);
    expect(id).toBe("WBH000000000001");
    const second = await register(tenant, { ...SEED_BASIC, callback: { ...SEED_BASIC.callback, url: "https://other.example/hook" } });
    expect(second.id).toBe("WBH000000000002");
  });

  it("reads it back in the seed's shape with the password masked", async () => {
    const tenant = await createTenant("ar");
    const { id } = await register(tenant);
    const webhook = await read(tenant, id);
    expect(webhook).toMatchObject({
      webhook_id: id,
      description: "testWebhook",
      form_name: "HPD:Help Desk",
      condition: "'Status' !=\"Closed\"",
      entry_events: ["create", "update", "merge", "delete"],
      payload_fields: ["Description", "Impact", "Urgency", "Status"],
      enabled: true,
      send_unchanged_fields: false,
      send_attachment_as_reference: false,
      callback: { url: SEED_BASIC.callback.url, authentication: { type: "BASIC", username: "Demo", password: "********" } },
      _links: { self: [{ href: `http://${tenant.slug}.${BASE_DOMAIN}${BASE}/${id}` }] },
    });
    expect(JSON.stringify(webhook)).not.toContain("Demo123");
  });

  it("stores secrets sealed in KV and only a reference in D1 (invariant 4)", async () => {
    const tenant = await createTenant("ar");
    const { id } = await register(tenant, SEED_IMS);
    const row = await env.DB.prepare("SELECT * FROM subscriptions WHERE tenant_id = ? AND id = ?").bind(tenant.id, id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(SEED_IMS.callback.authentication.accessSecretKey);
    expect(String(row?.secret_ref)).toMatch(/^secret:/);
    const sealed = await env.SECRETS.get(String(row?.secret_ref));
    expect(sealed).not.toContain(SEED_IMS.callback.authentication.accessSecretKey);
    const webhook = await read(tenant, id);
    expect(webhook.callback.authentication).toMatchObject({ type: "IMS", accessSecretKey: "********", accessKey: SEED_IMS.callback.authentication.accessKey, authHeaderTokenName: "IMS-JWT" });
  });

  it("updates with PUT (204); a masked secret sent back keeps the stored one, a new one replaces it", async () => {
    const tenant = await createTenant("ar");
    const { id } = await register(tenant);
    const before = await env.DB.prepare("SELECT secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ secret_ref: string }>();
    const current = await read(tenant, id);
    const put = await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json: { ...current, description: "AllFieldsWebhook_Updated", enabled: false } });
    expect(put.status).toBe(204);
    const updated = await read(tenant, id);
    expect(updated).toMatchObject({ description: "AllFieldsWebhook_Updated", enabled: false });
    const after = await env.DB.prepare("SELECT secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ secret_ref: string }>();
    const kept = await env.SECRETS.get(after!.secret_ref);
    expect(kept).not.toBeNull();
    expect(await env.SECRETS.get(before!.secret_ref)).toBeNull();
    const { secretStore } = await import("../../src/secrets/secret-store");
    expect(JSON.parse((await secretStore(env).get(tenant.id, after!.secret_ref))!)).toEqual({ password: "Demo123" });
  });

  describe("a masked secret is kept only while it goes where it went", () => {
    type Callback = { url: string; authentication: Record<string, unknown> };
    const cases: [string, unknown, (callback: Callback) => Callback, string][] = [
      ["BASIC, another callback URL", SEED_BASIC, (callback) => ({ ...callback, url: "https://attacker.example/b" }), "password"],
      ["BEARER, another callback URL", BEARER, (callback) => ({ ...callback, url: "https://attacker.example/b" }), "token"],
      ["OAUTH2, another token URL", OAUTH2, (callback) => ({ ...callback, authentication: { ...callback.authentication, tokenUrl: "https://attacker.example/token" } }), "clientSecret"],
      ["IMS, another authBaseUrl", SEED_IMS, (callback) => ({ ...callback, authentication: { ...callback.authentication, authBaseUrl: "https://attacker.example" } }), "accessSecretKey"],
      ["IMS, another token path", SEED_IMS, (callback) => ({ ...callback, authentication: { ...callback.authentication, authAccessTokenPath: "/steal" } }), "accessSecretKey"],
    ];
    it.each(cases)("%s with the masked value is 400 naming the secret, and nothing changes", async (_label, json, redirect, field) => {
      const tenant = await createTenant("ar-mask");
      const { id } = await register(tenant, json);
      const current = await read(tenant, id);
      const before = await env.DB.prepare("SELECT callback_url, auth_settings, secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first();
      const moved = { ...current, callback: redirect(current.callback as unknown as Callback) };
      const response = await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json: moved });
      expect(response.status).toBe(400);
      const [message] = await response.json<ArMessage[]>();
      expect(message?.messageAppendedText).toContain(`callback.authentication.${field}`);
      expect(await env.DB.prepare("SELECT callback_url, auth_settings, secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first()).toEqual(before);
      // The same change with the secret itself is a normal save.
      const resent = { ...moved, callback: { ...moved.callback, authentication: { ...moved.callback.authentication, [field]: "a-new-secret" } } };
      expect((await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json: resent })).status).toBe(204);
    });
  });

  it("BEARER and OAUTH2: secrets sealed in KV, masked on GET, kept by a masked PUT and replaced by a new one", async () => {
    const { secretStore } = await import("../../src/secrets/secret-store");
    const tenant = await createTenant("ar");
    const bearer = await register(tenant, BEARER);
    const oauth2 = await register(tenant, OAUTH2);
    expect([bearer.response.status, oauth2.response.status]).toEqual([201, 201]);
    const rows = await env.DB.prepare("SELECT * FROM subscriptions WHERE tenant_id = ?").bind(tenant.id).all();
    expect(JSON.stringify(rows.results)).not.toContain("bearer-token-kept-sealed");
    expect(JSON.stringify(rows.results)).not.toContain("client-secret-kept-sealed");
    const bearerView = await read(tenant, bearer.id);
    expect(bearerView.callback.authentication).toMatchObject({ type: "BEARER", token: "********", clientSecret: null });
    const oauth2View = await read(tenant, oauth2.id);
    expect(oauth2View.callback.authentication).toMatchObject({
      type: "OAUTH2",
      tokenUrl: "https://login.example/oauth2/token",
      clientId: "client-1",
      clientSecret: "********",
      scope: "webhooks",
      token: null,
    });
    const opened = async (id: string) => {
      const row = await env.DB.prepare("SELECT secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ secret_ref: string }>();
      return JSON.parse((await secretStore(env).get(tenant.id, row!.secret_ref))!) as Record<string, string>;
    };
    for (const [id, view] of [[bearer.id, bearerView], [oauth2.id, oauth2View]] as const) {
      expect((await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json: { ...view, description: "masked kept" } })).status).toBe(204);
    }
    expect(await opened(bearer.id)).toEqual({ token: "bearer-token-kept-sealed" });
    expect(await opened(oauth2.id)).toEqual({ clientSecret: "client-secret-kept-sealed" });
    const replaced = { ...oauth2View, callback: { ...oauth2View.callback, authentication: { ...oauth2View.callback.authentication, clientSecret: "a-new-client-secret" } } };
    expect((await call(tenant.slug, `${BASE}/${oauth2.id}`, { key: tenant.key, method: "PUT", json: replaced })).status).toBe(204);
    expect(await opened(oauth2.id)).toEqual({ clientSecret: "a-new-client-secret" });
  });

  it("a masked secret on create has nothing to keep: 400 naming the field", async () => {
    const tenant = await createTenant("ar");
    const { response } = await register(tenant, { ...BEARER, callback: { ...BEARER.callback, authentication: { type: "BEARER", token: "********" } } });
    expect(response.status).toBe(400);
    expect((await response.json<ArMessage[]>())[0]?.messageAppendedText).toContain("callback.authentication.token");
  });

  it("lists the tenant's webhooks with paging links", async () => {
    const tenant = await createTenant("ar");
    for (const url of ["https://a.example/1", "https://a.example/2", "https://a.example/3"]) {
      await register(tenant, { ...SEED_BASIC, callback: { ...SEED_BASIC.callback, url } });
    }
    const page = await (await call(tenant.slug, `${BASE}?limit=2`, { key: tenant.key })).json<{ entries: { webhook_id: string }[]; _links: { next?: { href: string }[] } }>();
    expect(page.entries.map((entry) => entry.webhook_id)).toEqual(["WBH000000000001", "WBH000000000002"]);
    expect(page._links.next?.[0]?.href).toContain("offset=2");
    const rest = await (await call(tenant.slug, `${BASE}?offset=2&limit=2`, { key: tenant.key })).json<{ entries: unknown[]; _links: { next?: unknown } }>();
    expect(rest.entries).toHaveLength(1);
    expect(rest._links.next).toBeUndefined();
  });

  it("deletes (204); the id is then 404 with AR's error array; its sealed secret is gone", async () => {
    const tenant = await createTenant("ar");
    const { id } = await register(tenant);
    const row = await env.DB.prepare("SELECT secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ secret_ref: string }>();
    expect((await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    const gone = await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key });
    expect(gone.status).toBe(404);
    expect(await gone.json<ArMessage[]>()).toEqual([expect.objectContaining({ messageType: "ERROR", messageNumber: 302 })]);
    expect((await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(404);
    expect(await env.SECRETS.get(row!.secret_ref)).toBeNull();
  });

  it("refuses a duplicate (form, events as a set, URL) with 409 on create and on update", async () => {
    const tenant = await createTenant("ar");
    await register(tenant);
    const reordered = { ...SEED_BASIC, entry_events: ["delete", "merge", "update", "create", "create"] };
    const duplicate = await register(tenant, reordered);
    expect(duplicate.response.status).toBe(409);
    expect((await duplicate.response.json<ArMessage[]>())[0]?.messageNumber).toBe(382);
    const other = await register(tenant, { ...SEED_BASIC, entry_events: ["create"] });
    expect(other.response.status).toBe(201);
    const update = await call(tenant.slug, `${BASE}/${other.id}`, { key: tenant.key, method: "PUT", json: SEED_BASIC });
    expect(update.status).toBe(409);
    expect((await read(tenant, other.id)).entry_events).toEqual(["create"]);
  });

  describe("Hookgate extension fields (format, ordering, retry_policy, dead_letter_policy)", () => {
    const EXTENDED = {
      ...SEED_BASIC,
      format: "thin",
      ordering: "record",
      retry_policy: { retryDelaysMs: [1000, 2000], maxAttempts: 3 },
      dead_letter_policy: "block",
    };
    const extensions = (webhook: Record<string, unknown>) => ({
      format: webhook.format,
      ordering: webhook.ordering,
      retry_policy: webhook.retry_policy,
      dead_letter_policy: webhook.dead_letter_policy,
    });

    it("a POST without them gets the defaults", async () => {
      const tenant = await createTenant("ar");
      const { id } = await register(tenant);
      expect(extensions(await read(tenant, id))).toEqual({ format: "ar", ordering: "subscription", retry_policy: null, dead_letter_policy: "skip" });
    });

    it("a PUT from an AR client that leaves them out keeps their stored values", async () => {
      const tenant = await createTenant("ar");
      const { id } = await register(tenant, EXTENDED);
      const put = await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json: { ...SEED_BASIC, description: "AR client edit" } });
      expect(put.status).toBe(204);
      const webhook = await read(tenant, id);
      expect(webhook.description).toBe("AR client edit");
      expect(extensions(webhook)).toEqual(extensions(EXTENDED));
    });

    it("a PUT that sends them replaces them; retry_policy: null clears the override", async () => {
      const tenant = await createTenant("ar");
      const { id } = await register(tenant, EXTENDED);
      const json = { ...SEED_BASIC, format: "ar", ordering: "subscription", retry_policy: null, dead_letter_policy: "skip" };
      expect((await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json })).status).toBe(204);
      expect(extensions(await read(tenant, id))).toEqual({ format: "ar", ordering: "subscription", retry_policy: null, dead_letter_policy: "skip" });
    });
  });

  describe("changing ordering while deliveries are open", () => {
    let receiver: Receiver | null = null;
    afterEach(() => receiver?.restore());

    /** Registers a webhook on Widget through the harness, reads it back as a PUT body, and commits one event. */
    async function withOneDelivery(options: { deadLetterPolicy: "skip" | "block"; retryDelaysMs: number[]; maxAttempts: number }) {
      receiver = startReceiver(() => new Response("down", { status: 500 }));
      const tenant = await createTenant("ar-order");
      const id = await subscribe(tenant, { url: receiver.url, ordering: "subscription", ...options });
      await createEntry(tenant, { n: 1 });
      await deliveryStub(tenant.id).pump(tenant.id);
      const { webhook_id: _id, _links, ...body } = await read(tenant, id);
      return { tenant, id, body };
    }

    const put = (tenant: TestTenant, id: string, json: unknown) => call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json });

    async function expectOrderingConflict(response: Response): Promise<void> {
      expect(response.status).toBe(409);
      const [message] = await response.json<ArMessage[]>();
      expect(message).toMatchObject({ messageType: "ERROR", messageNumber: 382 });
      expect(message!.messageAppendedText).toMatch(/\bordering\b/);
    }

    it("is 409 naming ordering while a delivery is pending a retry, and changes nothing; other edits still save", async () => {
      const { tenant, id, body } = await withOneDelivery({ deadLetterPolicy: "skip", retryDelaysMs: [60_000], maxAttempts: 3 });
      expect((await listDeliveries(tenant)).map((delivery) => delivery.status)).toEqual(["pending"]);
      await expectOrderingConflict(await put(tenant, id, { ...body, ordering: "record", description: "changed" }));
      expect(await read(tenant, id)).toMatchObject({ ordering: "subscription", description: null });
      expect((await put(tenant, id, { ...body, description: "kept ordering" })).status).toBe(204);
      const { ordering: _ordering, ...withoutOrdering } = body;
      expect((await put(tenant, id, { ...withoutOrdering, description: "no ordering sent" })).status).toBe(204);
      expect(await read(tenant, id)).toMatchObject({ ordering: "subscription", description: "no ordering sent" });
    });

    it("is 409 while a dead letter blocks the stream; once it is skipped the change saves", async () => {
      const { tenant, id, body } = await withOneDelivery({ deadLetterPolicy: "block", retryDelaysMs: [1], maxAttempts: 1 });
      const [dead] = await listDeliveries(tenant);
      expect(dead).toMatchObject({ status: "blocked" });
      await expectOrderingConflict(await put(tenant, id, { ...body, ordering: "record" }));
      expect((await read(tenant, id)).ordering).toBe("subscription");
      expect((await call(tenant.slug, `/api/v1/deliveries/${dead!.id}/skip`, { key: tenant.key, method: "POST" })).status).toBe(200);
      expect((await put(tenant, id, { ...body, ordering: "record" })).status).toBe(204);
      expect((await read(tenant, id)).ordering).toBe("record");
    });

    it("with no open deliveries the change saves at once", async () => {
      const tenant = await createTenant("ar-order");
      const { id } = await register(tenant);
      expect((await put(tenant, id, { ...SEED_BASIC, ordering: "record" })).status).toBe(204);
      expect((await read(tenant, id)).ordering).toBe("record");
    });
  });

  describe("validation: 400 naming the field, AR error array, nothing stored", () => {
    const cases: [string, unknown, string][] = [
      ["missing form_name", { ...SEED_BASIC, form_name: undefined }, "form_name"],
      ["missing callback url", { ...SEED_BASIC, callback: { authentication: { type: "NO_AUTH" } } }, "callback.url"],
      ["empty entry_events", { ...SEED_BASIC, entry_events: [] }, "entry_events"],
      ["unknown entry event", { ...SEED_BASIC, entry_events: ["create", "archive"] }, "entry_events.1"],
      ["IMS without its keys", { ...SEED_IMS, callback: { url: "https://x.example", authentication: { type: "IMS", accessKey: "k" } } }, "callback.authentication.accessSecretKey"],
      ["BASIC without a password", { ...SEED_BASIC, callback: { url: "https://x.example", authentication: { type: "BASIC", username: "u" } } }, "callback.authentication.password"],
      ["BEARER without a token", { ...BEARER, callback: { url: "https://x.example", authentication: { type: "BEARER" } } }, "callback.authentication.token"],
      ["OAUTH2 without a token URL", { ...OAUTH2, callback: { url: "https://x.example", authentication: { type: "OAUTH2", clientId: "c", clientSecret: "s" } } }, "callback.authentication.tokenUrl"],
      ["OAUTH2 without a client id", { ...OAUTH2, callback: { url: "https://x.example", authentication: { type: "OAUTH2", tokenUrl: "https://l.example/t", clientSecret: "s" } } }, "callback.authentication.clientId"],
      ["OAUTH2 without a client secret", { ...OAUTH2, callback: { url: "https://x.example", authentication: { type: "OAUTH2", tokenUrl: "https://l.example/t", clientId: "c" } } }, "callback.authentication.clientSecret"],
      ["OAUTH2 with a non-http(s) token URL", { ...OAUTH2, callback: { url: "https://x.example", authentication: { type: "OAUTH2", tokenUrl: "ftp://l.example/t", clientId: "c", clientSecret: "s" } } }, "callback.authentication.tokenUrl"],
      ["an unknown auth type", { ...SEED_BASIC, callback: { url: "https://x.example", authentication: { type: "OAUTH9" } } }, "callback.authentication.type"],
      ["a non-http(s) URL", { ...SEED_BASIC, callback: { url: "ftp://x.example/hook" } }, "callback.url"],
      ["a condition that does not parse", { ...SEED_BASIC, condition: "'Status' = " }, "condition"],
      ["a condition over 4,096 characters", { ...SEED_BASIC, condition: `'A' = "${"x".repeat(4090)}"` }, "condition"],
    ];
    it.each(cases)("%s", async (_label, json, field) => {
      const tenant = await createTenant("ar");
      const { response } = await register(tenant, json);
      expect(response.status).toBe(400);
      const [message] = await response.json<ArMessage[]>();
      expect(message?.messageType).toBe("ERROR");
      expect(message?.messageAppendedText).toContain(field);
      const list = await (await call(tenant.slug, BASE, { key: tenant.key })).json<{ entries: unknown[] }>();
      expect(list.entries).toEqual([]);
    });

    it("a condition of exactly 4,096 characters is accepted", async () => {
      const tenant = await createTenant("ar");
      const condition = `'A' = "${"x".repeat(4088)}"`;
      expect(condition).toHaveLength(4096);
      expect((await register(tenant, { ...SEED_BASIC, condition })).response.status).toBe(201);
    });

    it("an unknown auth type lists every supported one", async () => {
      const tenant = await createTenant("ar");
      const { response } = await register(tenant, { ...SEED_BASIC, callback: { url: "https://x.example", authentication: { type: "OAUTH9" } } });
      expect((await response.json<ArMessage[]>())[0]?.messageAppendedText).toContain("must be NO_AUTH, BASIC, BEARER, IMS or OAUTH2");
    });

    it("gives the position of a condition parse error", async () => {
      const tenant = await createTenant("ar");
      const { response } = await register(tenant, { ...SEED_BASIC, condition: "'Status' = \"Closed\" AND )" });
      const [message] = await response.json<ArMessage[]>();
      expect(message?.messageAppendedText).toMatch(/position \d+/);
    });

    it("malformed JSON is 400 INVALID_JSON as an AR array", async () => {
      const tenant = await createTenant("ar");
      const response = await call(tenant.slug, BASE, { key: tenant.key, body: "{\"form_name\":" });
      expect(response.status).toBe(400);
      expect((await response.json<ArMessage[]>())[0]?.messageNumber).toBe(8790);
    });
  });

  describe("security", () => {
    it("no key or a wrong key is 401; another tenant's key is 401 and never reveals its webhooks", async () => {
      const a = await createTenant("a");
      const b = await createTenant("b");
      const { id } = await register(a);
      expect((await call(a.slug, BASE, { json: SEED_BASIC })).status).toBe(401);
      expect((await call(a.slug, BASE, { key: "hg_wrong_000000000000000000000000000", json: SEED_BASIC })).status).toBe(401);
      expect((await call(a.slug, `${BASE}/${id}`, { key: b.key })).status).toBe(401);
      expect((await call(b.slug, `${BASE}/${id}`, { key: b.key })).status).toBe(404);
      expect((await call(b.slug, `${BASE}/${id}`, { key: b.key, method: "DELETE" })).status).toBe(404);
      expect((await call(a.slug, `${BASE}/${id}`, { key: a.key })).status).toBe(200);
    });

    it("a key without the api scope is 403", async () => {
      const tenant = await createTenant("ar");
      const ticketsOnly = await createApiKey(tenant.slug, ["tickets"]);
      expect((await call(tenant.slug, BASE, { key: ticketsOnly.key, json: SEED_BASIC })).status).toBe(403);
    });
  });
});
