/** Shared steps of the users-route tests: a configured lifecycle receiver, a User record, the tenant's rows. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { call, shardOf, type TestTenant } from "../helpers";
import { createEntry, type Receiver } from "../delivery/harness";

export const hookOf = (url: string): string => url.split("/").pop()!;

export async function configureHooks(tenant: TestTenant, receiver: Receiver, enabled: string[], extra: Record<string, unknown> = {}, token = "user-token"): Promise<void> {
  const response = await call(tenant.slug, "/api/v1/lifecycle-hooks", { key: tenant.key, method: "PUT", json: { baseUrl: receiver.url, token, enabled, ...extra } });
  expect(response.status).toBe(200);
}

export const createUser = (tenant: TestTenant, values: Record<string, unknown> = { first_name: "Ann", last_name: "Lee", email: "ann@corp.example" }) =>
  createEntry(tenant, values, "User");

export const archiveUser = async (tenant: TestTenant, id: string) =>
  expect((await call(tenant.slug, `/api/arsys/v1.0/entry/User/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);

/** Every row the tenant has in these data-plane tables, as one JSON text to search. */
export async function shardRowsText(tenantId: string, tables: string[]): Promise<string> {
  const shard = await shardOf(tenantId);
  const parts: unknown[] = [];
  for (const table of tables) parts.push((await shard.prepare(`SELECT * FROM ${table} WHERE tenant_id = ?`).bind(tenantId).all()).results);
  return JSON.stringify(parts);
}

/** The tenant's sealed passwords still in KV. */
export async function sealedPasswords(tenantId: string): Promise<string[]> {
  return (await env.SECRETS.list({ prefix: `secret:${tenantId}:lifecycle-password:` })).keys.map((key) => key.name);
}

/** Polls until `done()`, failing after a few seconds (a KV deletion runs after the drain, in waitUntil). */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
