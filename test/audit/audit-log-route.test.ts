/**
 * GET /api/v1/audit-log: authenticated like every tenant API route (401 without, or with another tenant's or a
 * revoked credential; 403 without the `api` scope), one tenant's rows only, newest first and paged with a
 * cursor that keeps rows of the same millisecond in order; concurrent changes are each logged once.
 */
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE_DOMAIN, admin, call, createApiKey, createTenant, envelope } from "../helpers";
import { database } from "../../src/db/client";
import { auditRow } from "../../src/audit/audit-log";
import { auditLog, auditPage, basic, type AuditItem } from "./audit-helpers";

const ROUTE = "/api/v1/audit-log";

describe("GET /api/v1/audit-log", () => {
  it("answers 401 without a credential, with another tenant's key or a revoked key; 403 without the api scope", async () => {
    const a = await createTenant("audit-auth");
    const b = await createTenant("audit-auth");
    expect((await call(a.slug, ROUTE, {})).status).toBe(401);
    const foreign = await call(a.slug, ROUTE, { key: b.key });
    expect(foreign.status).toBe(401);
    expect((await envelope(foreign)).error.code).toBe("UNAUTHORIZED");
    expect((await call(a.slug, ROUTE, { key: "hg_not-a-real-key" })).status).toBe(401);
    const revoked = await createApiKey(a.slug, ["api"]);
    expect((await call(a.slug, `/api/v1/api-keys/${revoked.id}`, { key: a.key, method: "DELETE" })).status).toBe(204);
    expect((await call(a.slug, ROUTE, { key: revoked.key })).status).toBe(401);
    for (const scopes of [["tickets"], ["hr"], ["tickets", "hr"]]) {
      const narrow = await createApiKey(a.slug, scopes);
      const response = await call(a.slug, ROUTE, { key: narrow.key });
      expect(response.status, scopes.join()).toBe(403);
      expect((await envelope(response)).error.code).toBe("FORBIDDEN");
    }
  });

  it("shows only the tenant's own rows, also on the /t/{tenant} path form", async () => {
    const a = await createTenant("audit-own");
    const b = await createTenant("audit-own");
    await call(b.slug, "/api/v1/api-keys", { key: b.key, json: { name: "b's key" } });
    const items = await auditLog(a);
    expect(items.map((item) => item.target.id)).toEqual([a.keyId]);
    const viaPath = await (await SELF.fetch(`http://${BASE_DOMAIN}/t/${a.slug}${ROUTE}`, { headers: { authorization: a.key } })).json<{ items: AuditItem[] }>();
    expect(viaPath.items.map((item) => item.id)).toEqual(items.map((item) => item.id));
  });

  it("a service account (Basic) is the actor of what it does", async () => {
    const tenant = await createTenant("audit-sa-actor");
    const password = "service-account-password";
    const account = await (await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "robot@example.com", password, scopes: ["api"] } })).json<{ id: string }>();
    const response = await call(tenant.slug, "/api/v1/provisioning-destinations", { authorization: basic("robot@example.com", password), json: { name: "HR", type: "generic" } });
    expect(response.status).toBe(201);
    const [entry] = await auditLog(tenant);
    expect(entry).toMatchObject({ action: "provisioning_destination.created", actor: { kind: "service_account", id: account.id } });
  });

  it("pages newest first with nextCursor; rows of the same millisecond keep their order and none repeats or goes missing", async () => {
    const tenant = await createTenant("audit-paging");
    const db = database(env.DB);
    const millisecond = Date.now() - 10_000;
    // Seven rows in one millisecond, written concurrently, and two a millisecond later.
    await Promise.all(
      Array.from({ length: 7 }, (_, n) => auditRow(db, tenant.id, { actor: { kind: "admin", id: "admin" }, action: "provisioning_destination.created", targetId: `same-${n}` }, { now: millisecond })),
    );
    for (const n of [0, 1]) await auditRow(db, tenant.id, { actor: { kind: "admin", id: "admin" }, action: "provisioning_destination.deleted", targetId: `later-${n}` }, { now: millisecond + 1 });
    const seqs = await env.DB.prepare("SELECT seq FROM audit_log WHERE tenant_id = ? AND created_at = ? ORDER BY seq").bind(tenant.id, millisecond).all<{ seq: number }>();
    expect(seqs.results.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const whole = await auditLog(tenant);
    const seen: AuditItem[] = [];
    let query = "?limit=2";
    for (let page = 0; page < 20; page++) {
      const answer = await auditPage(tenant, query);
      seen.push(...answer.items);
      expect(answer.items.length).toBeLessThanOrEqual(2);
      if (answer.nextCursor === null) break;
      query = `?limit=2&cursor=${encodeURIComponent(answer.nextCursor)}`;
    }
    expect(seen.map((item) => item.id)).toEqual(whole.map((item) => item.id));
    expect(seen).toHaveLength(10);
    // Newest first: the admin's key (made just now), the later millisecond, then the same millisecond by seq, last written first.
    expect(seen.slice(0, 3).map((item) => item.target.id)).toEqual([tenant.keyId, "later-1", "later-0"]);
    const sameMillisecond = await env.DB.prepare("SELECT id FROM audit_log WHERE tenant_id = ? AND created_at = ? ORDER BY seq DESC").bind(tenant.id, millisecond).all<{ id: string }>();
    expect(seen.slice(3).map((item) => item.id)).toEqual(sameMillisecond.results.map((row) => row.id));
  });

  it("refuses a malformed cursor or limit with 400 VALIDATION_FAILED", async () => {
    const tenant = await createTenant("audit-bad-query");
    for (const query of ["?cursor=abc", "?cursor=1.", "?limit=0", "?limit=501"]) {
      const response = await call(tenant.slug, `${ROUTE}${query}`, { key: tenant.key });
      expect(response.status, query).toBe(400);
      expect((await envelope(response)).error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("logs two concurrent changes once each, with distinct positions", async () => {
    const tenant = await createTenant("audit-race");
    const created = await Promise.all(
      ["one", "two", "three"].map(async (name) => (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key, json: { name } })).json<{ id: string }>()),
    );
    await Promise.all(created.map((key) => call(tenant.slug, `/api/v1/api-keys/${key.id}`, { key: tenant.key, method: "DELETE" })));
    // The same key revoked twice at once: one revocation, one row.
    const raced = await (await call(tenant.slug, "/api/v1/api-keys", { key: tenant.key, json: { name: "raced" } })).json<{ id: string }>();
    const answers = await Promise.all([0, 1].map(() => call(tenant.slug, `/api/v1/api-keys/${raced.id}`, { key: tenant.key, method: "DELETE" })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 404]);

    const items = await auditLog(tenant);
    for (const key of created) {
      expect(items.filter((item) => item.target.id === key.id).map((item) => item.action).sort()).toEqual(["api_key.created", "api_key.revoked"]);
    }
    expect(items.filter((item) => item.target.id === raced.id && item.action === "api_key.revoked")).toHaveLength(1);
    const positions = await env.DB.prepare("SELECT created_at || '.' || seq AS position FROM audit_log WHERE tenant_id = ?").bind(tenant.id).all<{ position: string }>();
    expect(new Set(positions.results.map((row) => row.position)).size).toBe(positions.results.length);
  });
});
