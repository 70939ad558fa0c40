/**
 * The retention pass prunes audit rows older than the tenant's retentionDays, but never younger than a year:
 * a tenant that keeps a week of history still keeps a year of its audit log. The clock is injected.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { admin, createTenant, type TestTenant } from "../helpers";
import { pruneExpired } from "../../src/admin/retention-job";
import { database } from "../../src/db/client";
import { AUDIT_MIN_RETENTION_DAYS, auditRow } from "../../src/audit/audit-log";

const DAY = 24 * 60 * 60 * 1000;

/** The ages (in days, at `now`) of the tenant's audit rows, oldest first. */
async function auditAges(tenant: TestTenant, now: number): Promise<number[]> {
  const rows = await env.DB.prepare("SELECT created_at FROM audit_log WHERE tenant_id = ? ORDER BY created_at").bind(tenant.id).all<{ created_at: number }>();
  return rows.results.map((row) => Math.round((now - row.created_at) / DAY));
}

async function tenantWithAuditAges(label: string, retentionDays: number, ages: number[], now: number): Promise<TestTenant> {
  const tenant = await createTenant(label);
  expect((await admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { retentionDays } })).status).toBe(200);
  await env.DB.prepare("DELETE FROM audit_log WHERE tenant_id = ?").bind(tenant.id).run();
  const db = database(env.DB);
  for (const age of ages) await auditRow(db, tenant.id, { actor: { kind: "admin", id: "admin" }, action: "api_key.created", targetId: `key_${age}` }, { now: now - age * DAY });
  return tenant;
}

describe("audit log retention", () => {
  // Other tenants of this file's D1 are marked visited far in the future, so each test's tenants go first.
  beforeEach(async () => {
    await pruneExpired(env, Date.now() + 100_000 * DAY, { tenantsPerRun: 100_000, batch: 10_000, batchesPerTable: 100 });
  });

  it("keeps a year at least, however short retentionDays is", async () => {
    const now = Date.now();
    const tenant = await tenantWithAuditAges("audit-keep-year", 7, [400, 366, 364, 30, 8, 1], now);
    const report = await pruneExpired(env, now);
    expect(AUDIT_MIN_RETENTION_DAYS).toBe(365);
    expect(await auditAges(tenant, now)).toEqual([364, 30, 8, 1]);
    expect(report.deleted.auditLog).toBe(2);
  });

  it("keeps as long as retentionDays when that is longer than a year", async () => {
    const now = Date.now();
    const tenant = await tenantWithAuditAges("audit-keep-long", 3650, [4000, 3000, 400], now);
    await pruneExpired(env, now);
    expect(await auditAges(tenant, now)).toEqual([3000, 400]);
  });
});
