/** Test helpers: drive the Worker through SELF.fetch exactly as a vendor or operator would. */
import { shardBindings } from "../src/db/shards";
import { ANONYMOUS_ROW_PREFIX } from "../src/inbound/inbound-log";
import { SELF, env } from "cloudflare:test";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const BASE_DOMAIN = "hookgate.test";

let counter = 0;
/** A slug no other test uses (tests share one D1). */
export const uniqueSlug = (label = "t"): string =>
  `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export const tenantUrl = (slug: string, path: string): string => `http://${slug}.${BASE_DOMAIN}${path}`;

export function admin(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`http://${BASE_DOMAIN}${path}`, { ...init, headers, body });
}

export interface TestTenant {
  slug: string;
  id: string;
  key: string;
  keyId: string;
}

/** Creates a tenant and an API key with every scope (or the given ones). */
export async function createTenant(label = "t", scopes?: string[]): Promise<TestTenant> {
  const slug = uniqueSlug(label);
  const created = await admin("/admin/v1/tenants", { method: "POST", json: { slug, name: `Tenant ${slug}` } });
  if (created.status !== 201) throw new Error(`tenant create failed: ${created.status} ${await created.text()}`);
  const tenant = await created.json<{ id: string }>();
  const key = await createApiKey(slug, scopes);
  return { slug, id: tenant.id, key: key.key, keyId: key.id };
}

export async function createApiKey(slug: string, scopes?: string[]): Promise<{ id: string; key: string }> {
  const response = await admin(`/admin/v1/tenants/${slug}/api-keys`, {
    method: "POST",
    json: scopes ? { name: "test", scopes } : { name: "test" },
  });
  if (response.status !== 201) throw new Error(`key create failed: ${response.status} ${await response.text()}`);
  return response.json();
}

export interface CallOptions {
  method?: string;
  key?: string | null;
  authorization?: string;
  json?: unknown;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Calls a tenant route on the tenant's host, authenticated with `key` unless told otherwise. */
export function call(slug: string, path: string, options: CallOptions = {}): Promise<Response> {
  return SELF.fetch(tenantUrl(slug, path), requestInit(options));
}

export function requestInit(options: CallOptions): RequestInit {
  const headers = new Headers(options.headers);
  if (options.authorization !== undefined) headers.set("authorization", options.authorization);
  else if (options.key) headers.set("authorization", options.key);
  let body = options.body;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined) headers.set("content-type", options.contentType ?? "application/json");
  return { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body };
}

export interface Envelope {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
  requestId: string;
}

/** Asserts nothing about the response; returns the parsed error envelope for expectations. */
export const envelope = (response: Response): Promise<Envelope> => response.json<Envelope>();

/** The tenant's data-plane database (its shard: records, events, logs, attempts); shard 0 for a tenant not in the table. */
export async function shardOf(tenantId: string): Promise<D1Database> {
  const row = await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: number }>();
  return shardBindings(env)[row?.shard ?? 0]!;
}

/** Control-plane tables (in DB); every other table is read on the tenant's shard. */
const CONTROL_TABLES = new Set(["tenants", "api_keys", "service_accounts", "subscriptions", "inbound_hooks", "lifecycle_hooks", "provisioning_destinations", "revoked_tokens"]);

export async function countRows(table: string, tenantId: string): Promise<number> {
  const database = CONTROL_TABLES.has(table) ? env.DB : await shardOf(tenantId);
  const row = await database.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** The inbound log is written off the response path (waitUntil); poll until a row for the request shows up. */
export async function waitForInboundLog(tenantId: string, requestId: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const row = await (await shardOf(tenantId)).prepare("SELECT * FROM inbound_requests WHERE tenant_id = ? AND id = ?")
      .bind(tenantId, requestId)
      .first<{ status: number; code: string | null; error: string | null; source: string }>();
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no inbound log row for ${requestId}`);
}

export interface AnonymousLogRow {
  id: string;
  source: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  error: string | null;
  count: number;
  received_at: number;
}

/**
 * Unauthenticated requests are counted, not logged one by one: polls until the tenant's rows for this outcome
 * count at least `count` requests in all (a minute boundary may split them in two rows), and returns those rows.
 */
export async function waitForAnonymousLog(tenantId: string, outcome: { status: number; code: string | null }, count = 1): Promise<AnonymousLogRow[]> {
  let rows: AnonymousLogRow[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await (await shardOf(tenantId))
      .prepare(`SELECT * FROM inbound_requests WHERE tenant_id = ? AND substr(id, 1, ${ANONYMOUS_ROW_PREFIX.length}) = ? AND status = ? AND code IS ? ORDER BY received_at`)
      .bind(tenantId, ANONYMOUS_ROW_PREFIX, outcome.status, outcome.code)
      .all<AnonymousLogRow>();
    rows = result.results;
    if (rows.reduce((sum, row) => sum + row.count, 0) >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`anonymous log rows for ${outcome.status} ${outcome.code} count fewer than ${count}: ${JSON.stringify(rows)}`);
}

export const TICKET_PATH = "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket";
export const SEED_TICKET = {
  requester_email: "john.doe@optimalidm.com",
  title: "Test Ticket",
  description: "Generated by the CreateTicket webhook",
};
