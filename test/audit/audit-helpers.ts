/** Reading a tenant's audit log in tests: through the API as a client would, and the stored rows themselves. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { call, type TestTenant } from "../helpers";

export interface AuditItem {
  id: string;
  action: string;
  actor: { kind: string; id: string };
  target: { kind: string; id: string };
  changes: Record<string, unknown>;
  createdAt: string;
}

export interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}

/** One page of GET /api/v1/audit-log (query e.g. "?limit=2&cursor=…"). */
export async function auditPage(tenant: TestTenant, query = ""): Promise<AuditPage> {
  const response = await call(tenant.slug, `/api/v1/audit-log${query}`, { key: tenant.key });
  expect(response.status).toBe(200);
  return response.json<AuditPage>();
}

/** The tenant's whole log, newest first, one page of up to 500. */
export const auditLog = async (tenant: TestTenant): Promise<AuditItem[]> => (await auditPage(tenant, "?limit=500")).items;

/** The newest entry with this action (the log is newest first). */
export async function lastEntry(tenant: TestTenant, action: string): Promise<AuditItem> {
  const entry = (await auditLog(tenant)).find((item) => item.action === action);
  if (!entry) throw new Error(`no audit entry ${action}`);
  return entry;
}

/** Every stored audit row of the tenant, every column, as one string: what a leak of the table would show. */
export async function storedAuditText(tenantId: string): Promise<string> {
  const rows = await env.DB.prepare("SELECT * FROM audit_log WHERE tenant_id = ?").bind(tenantId).all();
  return JSON.stringify(rows.results);
}

export const basic = (email: string, password: string): string => `Basic ${btoa(`${email}:${password}`)}`;
