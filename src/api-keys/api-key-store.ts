/**
 * A tenant's API keys, shared by the operator routes (src/admin/api-keys.ts) and the tenant's own
 * (tenant-api-keys.ts). The plaintext key exists only in create's result; D1 and the KV lookup entry hold
 * its SHA-256 hash. Revoking marks the row, removes the KV entry and drops the verified-key cache entry.
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, type ApiKey } from "../db/schema";
import { isoTime, isoTimeOrNull } from "../http/openapi-app";
import { newId } from "../runtime/crypto";
import { deleteApiKeyLookup, generateApiKey, putApiKeyLookup } from "../auth/api-keys";
import { scopes } from "../auth/principal";
import { apiKeyCache } from "../auth/authenticate";

export const apiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
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
  lastUsedAt: isoTimeOrNull(key.lastUsedAt),
  revokedAt: isoTimeOrNull(key.revokedAt),
});

export async function createApiKey(
  db: Database,
  kv: KVNamespace,
  tenantId: string,
  input: { name: string; scopes: string[] },
): Promise<z.infer<typeof createdApiKey>> {
  const generated = await generateApiKey();
  const id = newId("key");
  const now = Date.now();
  await db.insert(apiKeys).values({ id, tenantId, name: input.name, prefix: generated.prefix, hash: generated.hash, scopes: input.scopes, createdAt: now });
  await putApiKeyLookup(kv, generated.hash, { tenantId, keyId: id, scopes: input.scopes });
  return { id, name: input.name, key: generated.key, prefix: generated.prefix, scopes: input.scopes, createdAt: isoTime(now) };
}

export async function listApiKeys(db: Database, tenantId: string): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(asc(apiKeys.createdAt)).all();
  return rows.map(toView);
}

/** Revokes the tenant's live key `id`; false when there is none (unknown, another tenant's, already revoked). */
export async function revokeApiKey(db: Database, kv: KVNamespace, tenantId: string, id: string): Promise<boolean> {
  const [revoked] = await db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
    .returning();
  if (!revoked) return false;
  await deleteApiKeyLookup(kv, revoked.hash);
  apiKeyCache.delete(revoked.hash);
  return true;
}
