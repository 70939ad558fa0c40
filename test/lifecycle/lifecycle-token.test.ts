/**
 * Issued lifecycle hook tokens (issue 18): PUT without a token issues one (`hglt_…`), answered once and masked
 * after; rotate-token replaces it; the issued token is what the hooks receive and a read-only credential for
 * the tenant's own API (reads 200, writes and secret reads 403, other tenants 401). A supplied token is only
 * sent, never accepted. Racing rotations and saves leave exactly one valid token, the one the hooks receive.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, envelope, TICKET_PATH, SEED_TICKET, type TestTenant } from "../helpers";
import { createEntry, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { lastEntry, storedAuditText } from "../audit/audit-helpers";
import { sha256Hex } from "../../src/runtime/crypto";
import { lifecycleTokenPrincipal } from "../../src/auth/lifecycle-tokens";
import { database } from "../../src/db/client";
import { LOOKUP_CACHE_TTL_MS } from "../../src/http/ttl-cache";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const PATH = "/api/v1/lifecycle-hooks";
const ISSUED = /^hglt_[A-Za-z0-9_-]{43}$/;

interface ConfigView {
  baseUrl: string;
  token: string;
  tokenSource: "issued" | "supplied";
  enabled: string[];
  timeoutMs: number;
}

const put = (tenant: TestTenant, json: Record<string, unknown>, key = tenant.key) => call(tenant.slug, PATH, { key, method: "PUT", json: { enabled: [], ...json } });
const rotate = (tenant: TestTenant, key: string | null = tenant.key) => call(tenant.slug, `${PATH}/rotate-token`, { key, method: "POST" });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const row = (tenant: TestTenant) => env.DB.prepare("SELECT * FROM lifecycle_hooks WHERE tenant_id = ?").bind(tenant.id).first<Record<string, string | null>>();

/** The token the hooks receive now: what "save & test" sends as its Bearer. */
async function tokenSentToHooks(tenant: TestTenant, target: Receiver): Promise<string> {
  expect((await call(tenant.slug, `${PATH}/test`, { key: tenant.key, method: "POST" })).status).toBe(200);
  return target.received.at(-1)!.headers.get("authorization")!.replace(/^Bearer /, "");
}

/** Issues a token for a new configuration pointing at `target`. */
async function issue(tenant: TestTenant, target: Receiver): Promise<string> {
  const response = await put(tenant, { baseUrl: target.url });
  expect(response.status).toBe(200);
  return (await response.json<ConfigView>()).token;
}

/** How many sealed lifecycle tokens the tenant has in KV (a replaced or lost one must not stay behind). */
const sealedTokens = async (tenant: TestTenant) => (await env.SECRETS.list({ prefix: `secret:${tenant.id}:lifecycle-token:` })).keys.length;

describe("PUT without a token: Hookgate issues one", () => {
  it("answers it once, masks it afterwards, seals it in KV with only its hash in D1, sends it to the hooks and audits it", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-issue");
    const response = await put(tenant, { baseUrl: receiver.url, enabled: ["validateUser"] });
    expect(response.status).toBe(200);
    const saved = await response.json<ConfigView>();
    expect(saved).toMatchObject({ tokenSource: "issued", enabled: ["validateUser"] });
    expect(saved.token).toMatch(ISSUED);
    const token = saved.token;

    const read = await call(tenant.slug, PATH, { key: tenant.key });
    const text = await read.text();
    expect(JSON.parse(text)).toMatchObject({ token: "********", tokenSource: "issued" });
    expect(text).not.toContain(token);
    // Saving again without a token keeps the issued one, and does not show it again.
    const again = await (await put(tenant, { baseUrl: receiver.url, enabled: ["validateUser"], timeoutMs: 2000 })).json<ConfigView>();
    expect(again).toMatchObject({ token: "********", tokenSource: "issued", timeoutMs: 2000 });

    const stored = (await row(tenant))!;
    expect(stored.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await env.SECRETS.get(stored.token_ref!)).not.toContain(token);
    expect(await tokenSentToHooks(tenant, receiver)).toBe(token);

    expect((await lastEntry(tenant, "lifecycle_hooks.created")).changes).toMatchObject({ token: "changed", tokenIssued: true });
    expect((await lastEntry(tenant, "lifecycle_hooks.updated")).changes).toEqual({ timeoutMs: 2000 });
    expect(await storedAuditText(tenant.id)).not.toContain(token);
  });

  it("a new baseUrl without a token gets a new token; the old one stops working at once", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-moved");
    const first = await issue(tenant, receiver);
    expect((await call(tenant.slug, PATH, { headers: bearer(first) })).status).toBe(200);
    const moved = await (await put(tenant, { baseUrl: `${receiver.url}/v2` })).json<ConfigView>();
    expect(moved.token).toMatch(ISSUED);
    expect(moved.token).not.toBe(first);
    expect((await call(tenant.slug, PATH, { headers: bearer(first) })).status).toBe(401);
    expect((await call(tenant.slug, PATH, { headers: bearer(moved.token) })).status).toBe(200);
    expect(await sealedTokens(tenant)).toBe(1);
  });
});

describe("an issued token is a read-only credential for its tenant", () => {
  it("reads the tenant API (200) and is refused every write and secret read (403), changing nothing", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("lt-read");
    const userId = await createEntry(tenant, { "Login Name": "jdoe", Email: "jdoe@example.com" }, "User");
    const subscriptionId = await subscribe(tenant, { url: receiver.url, form: "Widget" });
    const token = await issue(tenant, receiver);
    const auth = bearer(token);
    for (const path of [`/api/v1/records/User/${userId}`, "/api/v1/records/User", "/api/v1/events", PATH, `/api/arsys/v1.0/entry/User/${userId}`]) {
      expect((await call(tenant.slug, path, { headers: auth })).status, path).toBe(200);
    }
    expect((await call(tenant.slug, `/api/v1/records/User/${userId}`, { authorization: token })).status).toBe(200);
    const before = await (await call(tenant.slug, `/api/v1/records/User/${userId}`, { key: tenant.key })).text();

    const writes: [string, string, unknown?][] = [
      ["POST", "/api/arsys/v1.0/entry/User", { values: { "Login Name": "x" } }],
      ["PUT", `/api/arsys/v1.0/entry/User/${userId}`, { values: { Email: "evil@example.com" } }],
      ["DELETE", `/api/arsys/v1.0/entry/User/${userId}`],
      ["DELETE", `/api/v1/records/User/${userId}?erase=true`],
      ["PUT", PATH, { baseUrl: "https://evil.example/hooks", enabled: [] }],
      ["POST", `${PATH}/rotate-token`],
      ["POST", `${PATH}/test`],
      ["POST", "/api/v1/api-keys", { name: "escalate" }],
    ];
    for (const [method, path, json] of writes) {
      const response = await call(tenant.slug, path, { method, headers: auth, ...(json === undefined ? {} : { json }) });
      expect(response.status, `${method} ${path}`).toBe(403);
      // AR routes answer in AR's message format; the text says why either way.
      expect(await response.text(), `${method} ${path}`).toContain("read-only");
    }
    // The signing secret is a secret: a read-only credential may not read it.
    const secret = await call(tenant.slug, `/api/v1/subscriptions/${subscriptionId}/secret`, { headers: auth });
    expect(secret.status).toBe(403);
    expect((await envelope(secret)).error.code).toBe("FORBIDDEN");
    // Inbound vendor routes need other scopes.
    expect((await call(tenant.slug, TICKET_PATH, { headers: auth, json: SEED_TICKET })).status).toBe(403);

    expect(await (await call(tenant.slug, `/api/v1/records/User/${userId}`, { key: tenant.key })).text()).toBe(before);
    expect(await tokenSentToHooks(tenant, receiver)).toBe(token);
  });

  it("is 401 on another tenant's host, and a wrong, missing, rotated-away or supplied token is 401", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const a = await createTenant("lt-a");
    const b = await createTenant("lt-b");
    const token = await issue(a, receiver);
    await issue(b, receiver);
    expect((await call(a.slug, PATH, { headers: bearer(token) })).status).toBe(200);
    for (const [label, tenant, headers] of [
      ["another tenant's host", b, bearer(token)],
      ["a wrong token", a, bearer(`hglt_${"A".repeat(43)}`)],
      ["no token", a, {}],
    ] as const) {
      const response = await call(tenant.slug, PATH, { headers });
      expect(response.status, label).toBe(401);
      expect((await envelope(response)).error.code, label).toBe("UNAUTHORIZED");
    }
    // A token the tenant supplies is sent to the hooks, but it is not an API credential (whatever it looks like).
    for (const supplied of ["my-own-hook-token", `hglt_${"B".repeat(43)}`]) {
      expect((await put(a, { baseUrl: receiver.url, token: supplied })).status).toBe(200);
      expect(await tokenSentToHooks(a, receiver)).toBe(supplied);
      expect((await call(a.slug, PATH, { headers: bearer(supplied) })).status, supplied).toBe(401);
    }
    // Replacing the issued token with a supplied one retired it at once.
    expect((await call(a.slug, PATH, { headers: bearer(token) })).status).toBe(401);
    expect((await call(a.slug, PATH, { key: a.key })).status).toBe(200);
    expect(await (await call(a.slug, PATH, { key: a.key })).json()).toMatchObject({ tokenSource: "supplied", token: "********" });
  });
});

describe("POST /api/v1/lifecycle-hooks/rotate-token", () => {
  it("answers a new token once; the old one stops working at once (even cached) and is no longer sent; audited", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-rotate");
    const old = await issue(tenant, receiver);
    const oldRef = (await row(tenant))!.token_ref!;
    // Used once, so this isolate has it cached.
    expect((await call(tenant.slug, PATH, { headers: bearer(old) })).status).toBe(200);
    const response = await rotate(tenant);
    expect(response.status).toBe(200);
    const rotated = await response.json<ConfigView>();
    expect(rotated).toMatchObject({ tokenSource: "issued", baseUrl: receiver.url });
    expect(rotated.token).toMatch(ISSUED);
    expect(rotated.token).not.toBe(old);
    expect((await call(tenant.slug, PATH, { headers: bearer(old) })).status).toBe(401);
    expect((await call(tenant.slug, PATH, { headers: bearer(rotated.token) })).status).toBe(200);
    expect(await (await call(tenant.slug, PATH, { key: tenant.key })).json()).toMatchObject({ token: "********" });
    expect(await tokenSentToHooks(tenant, receiver)).toBe(rotated.token);
    expect(await env.SECRETS.get(oldRef)).toBeNull();
    expect(await sealedTokens(tenant)).toBe(1);
    const entry = await lastEntry(tenant, "lifecycle_hooks.token_rotated");
    expect(entry).toMatchObject({ actor: { kind: "api_key", id: tenant.keyId }, target: { kind: "lifecycle_hooks", id: tenant.id }, changes: { token: "changed", tokenIssued: true } });
    expect(await storedAuditText(tenant.id)).not.toContain(rotated.token);
  });

  it("replaces a supplied token with an issued one", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-rotate-supplied");
    await put(tenant, { baseUrl: receiver.url, token: "supplied-before-rotation" });
    const rotated = await (await rotate(tenant)).json<ConfigView>();
    expect(rotated).toMatchObject({ tokenSource: "issued" });
    expect(await tokenSentToHooks(tenant, receiver)).toBe(rotated.token);
    expect((await call(tenant.slug, PATH, { headers: bearer(rotated.token) })).status).toBe(200);
  });

  it("404 with nothing configured; 401 without the tenant's own credentials", async () => {
    receiver = startReceiver();
    const a = await createTenant("lt-rotate-a");
    const b = await createTenant("lt-rotate-b");
    expect((await rotate(a)).status).toBe(404);
    const token = await issue(a, receiver);
    expect((await rotate(a, null)).status).toBe(401);
    expect((await rotate(a, b.key)).status).toBe(401);
    expect((await rotate(a, `Bearer hglt_${"C".repeat(43)}`)).status).toBe(401);
    expect((await call(a.slug, PATH, { headers: bearer(token) })).status).toBe(200);
  });
});

describe("caching, as for API keys", () => {
  it("a token replaced by another isolate (no cache entry dropped here) stops working here within LOOKUP_CACHE_TTL_MS", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("lt-cache");
    const token = await issue(tenant, receiver);
    const db = database(env.DB);
    expect(await lifecycleTokenPrincipal(db, tenant.id, token)).toMatchObject({ kind: "lifecycle_token", tenantId: tenant.id, readOnly: true, scopes: ["api"] });
    // What a rotation in another isolate leaves behind: D1 changed, this isolate's cache untouched.
    await env.DB.prepare("UPDATE lifecycle_hooks SET token_hash = ? WHERE tenant_id = ?").bind(await sha256Hex("hglt_elsewhere"), tenant.id).run();
    expect((await lifecycleTokenPrincipal(db, tenant.id, token)).tenantId).toBe(tenant.id);
    await expect(lifecycleTokenPrincipal(db, "another-tenant", token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await new Promise((resolve) => setTimeout(resolve, LOOKUP_CACHE_TTL_MS + 100));
    await expect(lifecycleTokenPrincipal(db, tenant.id, token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("races", () => {
  it("racing rotations: exactly one token is valid, the one the hooks receive; each other answer is 409 or a token already replaced", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-race-rotate");
    const first = await issue(tenant, receiver);
    const responses = await Promise.all(Array.from({ length: 5 }, () => rotate(tenant)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 409), String(statuses)).toBe(true);
    const tokens = await Promise.all(responses.filter((response) => response.status === 200).map(async (response) => (await response.json<ConfigView>()).token));
    expect(tokens.length).toBeGreaterThan(0);
    const valid: string[] = [];
    for (const token of [first, ...tokens]) if ((await call(tenant.slug, PATH, { headers: bearer(token) })).status === 200) valid.push(token);
    expect(valid).toHaveLength(1);
    expect(await tokenSentToHooks(tenant, receiver)).toBe(valid[0]);
    expect((await row(tenant))!.token_hash).toBe(await sha256Hex(valid[0]!));
    expect(await sealedTokens(tenant)).toBe(1);
  });

  it("racing first saves without a token: one issues the token, the other keeps it; one token, the one sent", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-race-put");
    const responses = await Promise.all([put(tenant, { baseUrl: receiver.url }), put(tenant, { baseUrl: receiver.url, timeoutMs: 1500 })]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    const views = await Promise.all(responses.map((response) => response.json<ConfigView>()));
    const issued = views.map((view) => view.token).filter((token) => token !== "********");
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatch(ISSUED);
    expect(await tokenSentToHooks(tenant, receiver)).toBe(issued[0]);
    expect((await call(tenant.slug, PATH, { headers: bearer(issued[0]!) })).status).toBe(200);
    expect(await sealedTokens(tenant)).toBe(1);
  });

  it("racing saves of two supplied tokens and a rotation: the row, the hooks and the API agree on one token", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lt-race-mixed");
    await issue(tenant, receiver);
    const [one, two, rotation] = await Promise.all([
      put(tenant, { baseUrl: receiver.url, token: "supplied-one" }),
      put(tenant, { baseUrl: receiver.url, token: "supplied-two" }),
      rotate(tenant),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect([200, 409]).toContain(rotation.status);
    const sent = await tokenSentToHooks(tenant, receiver);
    const stored = (await row(tenant))!;
    if (stored.token_hash === null) {
      expect(["supplied-one", "supplied-two"]).toContain(sent);
    } else {
      expect(stored.token_hash).toBe(await sha256Hex(sent));
      expect((await call(tenant.slug, PATH, { headers: bearer(sent) })).status).toBe(200);
    }
    expect(await sealedTokens(tenant)).toBe(1);
  });
});
