/**
 * A tenant's API keys, shared by the operator routes (src/admin/api-keys.ts) and the tenant's own
 * (tenant-api-keys.ts). The plaintext key exists only in create's result; D1 and the KV lookup entry hold
 * its SHA-256 hash. Revoking marks the row, removes the KV entry and drops the verified-key cache entry; a
 * cascading revocation also revokes every key the key minted (minted-keys.ts). Each key records who created
 * it (`created_by`), and creating or revoking one writes its audit row in the same batch.
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { apiKeys, type ApiKey } from "../db/schema";
import { isoTime, isoTimeOrNull } from "../http/openapi-app";
import { newId } from "../runtime/crypto";
import { deleteApiKeyLookup, generateApiKey, putApiKeyLookup } from "../auth/api-keys";
import { scopes } from "../auth/principal";
import { apiKeyCache } from "../auth/authenticate";
import { actorFromCreatedBy, actorView, createdByOf, type Actor } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { keysMintedBy } from "./minted-keys";

export const apiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    createdBy: actorView.nullable().openapi({ description: "Who created the key; null for keys made before the audit log" }),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

type ApiKeyView = z.infer<typeof apiKeyView>;

export const scopesSchema = z
  .array(z.enum(scopes))
  .min(1)
  .transform((list) => [...new Set(list)])
  .default([...scopes]);

export const createApiKeyBody = z.object({ name: z.string().trim().min(1).max(100), scopes: scopesSchema });

/** Create's answer: the only place the plaintext `key` is ever returned. */
export const createdApiKey = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
});

const toView = (key: ApiKey): ApiKeyView => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  createdAt: isoTime(key.createdAt),
  createdBy: actorFromCreatedBy(key.createdBy),
  lastUsedAt: isoTimeOrNull(key.lastUsedAt),
  revokedAt: isoTimeOrNull(key.revokedAt),
});

export async function createApiKey(
  db: Database,
  kv: KVNamespace,
  tenantId: string,
  input: { name: string; scopes: string[] },
  actor: Actor,
): Promise<z.infer<typeof createdApiKey>> {
  const generated = await generateApiKey();
  const id = newId("key");
  const now = Date.now();
  await db.batch([
    db.insert(apiKeys).values({ id, tenantId, name: input.name, prefix: generated.prefix, hash: generated.hash, scopes: input.scopes, createdAt: now, createdBy: createdByOf(actor) }),
    auditRow(db, tenantId, { actor, action: "api_key.created", targetId: id, changes: { name: input.name, scopes: input.scopes } }, { now }),
  ]);
  await putApiKeyLookup(kv, generated.hash, { tenantId, keyId: id, scopes: input.scopes });
  return { id, name: input.name, key: generated.key, prefix: generated.prefix, scopes: input.scopes, createdAt: isoTime(now) };
}

export async function listApiKeys(db: Database, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(asc(apiKeys.createdAt)).all();
  return rows.map(toView);
}

/** `?cascade=true` on a revocation: also revoke every key the key minted. */
export const revokeQuery = z.object({
  cascade: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true")
    .openapi({ type: "string", description: "`true`: also revoke every key this key created (itself or in a portal session it signed in to), and the keys those created" }),
});

/**
 * Revokes the tenant's live key `id` and, with `cascade`, every live key it minted (the key itself may already
 * be revoked then). Returns the ids revoked: none when nothing was live (unknown, another tenant's, already
 * revoked). Each key's revocation and its audit row are a pair in one batch: the row only if that key was live.
 */
export async function revokeApiKey(db: Database, kv: KVNamespace, tenantId: string, id: string, actor: Actor, cascade = false): Promise<string[]> {
  const origins = cascade ? await db.select({ id: apiKeys.id, createdBy: apiKeys.createdBy }).from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).all() : [];
  const now = Date.now();
  const statements = [id, ...keysMintedBy(origins, id)].flatMap((keyId): BatchItem<"sqlite">[] => [
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id, hash: apiKeys.hash }),
    auditRow(db, tenantId, { actor, action: "api_key.revoked", targetId: keyId, changes: keyId === id ? { cascade } : { revokedWith: id } }, { now, ifChanged: true }),
  ]);
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  const revoked = results.filter((_, index) => index % 2 === 0).flat() as { id: string; hash: string }[];
  for (const key of revoked) {
    await deleteApiKeyLookup(kv, key.hash);
    apiKeyCache.delete(key.hash);
  }
  return revoked.map((key) => key.id);
}
