/**
 * A tenant's lifecycle hook configuration: the row in `lifecycle_hooks` (base URL, enabled hooks, timeout,
 * failure policy) and its Bearer token, sealed in KV (D1 keeps only the reference). One configuration per tenant.
 * Saving it writes its audit row (the token only as "changed") in the same batch.
 */
import { AppError } from "../runtime/errors";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { lifecycleHooks, type LifecycleHookName, type LifecycleHooks } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import type { Actor } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { CHANGED, fieldChanges } from "../audit/changes";

export const TOKEN_PURPOSE = "lifecycle-token";

export type OnTimeout = LifecycleHooks["onTimeout"];

/** What a caller needs to call the tenant's hooks: the configuration with its token opened. */
export interface LifecycleTarget {
  tenantId: string;
  baseUrl: string;
  token: string;
  enabled: readonly LifecycleHookName[];
  timeoutMs: number;
  onTimeout: OnTimeout;
}

export interface LifecycleConfigInput {
  baseUrl: string;
  /** The new token, or null to keep the stored one. */
  token: string | null;
  enabled: LifecycleHookName[];
  timeoutMs: number;
  onTimeout: OnTimeout;
}

type SecretEnv = { SECRETS: KVNamespace; MASTER_KEY: string };

export async function findLifecycleConfig(db: Database, tenantId: string): Promise<LifecycleHooks | null> {
  return (await db.select().from(lifecycleHooks).where(eq(lifecycleHooks.tenantId, tenantId)).get()) ?? null;
}

/** Opens the configuration's token; null when it is missing from KV. */
export async function lifecycleTarget(env: SecretEnv, config: LifecycleHooks): Promise<LifecycleTarget | null> {
  const token = await secretStore(env).get(config.tenantId, config.tokenRef);
  if (token === null) return null;
  const { tenantId, baseUrl, enabled, timeoutMs, onTimeout } = config;
  return { tenantId, baseUrl, token, enabled, timeoutMs, onTimeout };
}

/**
 * Creates or replaces the tenant's configuration. A new token is sealed first and the old one deleted after
 * the row points at the new one, so a failure in between leaves a stray sealed value, never a dangling row.
 * Returns null when no token was given and none is stored.
 */
export async function saveLifecycleConfig(
  env: SecretEnv,
  db: Database,
  tenantId: string,
  input: LifecycleConfigInput,
  actor: Actor,
  now = Date.now(),
): Promise<LifecycleHooks | null> {
  const existing = await findLifecycleConfig(db, tenantId);
  if (input.token === null && !existing) return null;
  // A masked token is kept only while it goes where it went: a new baseUrl would otherwise receive it.
  if (input.token === null && existing && existing.baseUrl !== input.baseUrl) {
    throw new AppError("VALIDATION_FAILED", "Request is invalid: token", [{ path: "token", message: "is masked, but baseUrl changed: send the token itself" }]);
  }
  const store = secretStore(env);
  const tokenRef = input.token === null ? existing!.tokenRef : await store.put({ tenantId, purpose: TOKEN_PURPOSE }, input.token);
  const settings = { baseUrl: input.baseUrl, enabled: input.enabled, timeoutMs: input.timeoutMs, onTimeout: input.onTimeout };
  const values = { ...settings, tokenRef, updatedAt: now };
  const changes = { ...fieldChanges(existing ?? {}, settings), ...(input.token === null ? {} : { token: CHANGED }) };
  const action = existing ? "lifecycle_hooks.updated" : "lifecycle_hooks.created";
  const [[saved]] = await db.batch([
    db
      .insert(lifecycleHooks)
      .values({ tenantId, ...values, createdAt: now })
      .onConflictDoUpdate({ target: lifecycleHooks.tenantId, set: values })
      .returning(),
    auditRow(db, tenantId, { actor, action, targetId: tenantId, changes }, { now }),
  ]);
  if (existing && existing.tokenRef !== tokenRef) await store.delete(tenantId, existing.tokenRef);
  return saved!;
}
