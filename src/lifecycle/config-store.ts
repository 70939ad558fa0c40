/**
 * A tenant's lifecycle hook configuration: the row in `lifecycle_hooks` (base URL, enabled hooks, timeout,
 * failure policy, the asynchronous hooks' rate limit) and its Bearer token, sealed in KV (D1 keeps only the reference). One configuration per tenant.
 * The token is the tenant's own (supplied: only sent to the hooks) or one Hookgate issued (issue 18: also a
 * read-only API credential, its SHA-256 in `token_hash`, see auth/lifecycle-tokens.ts). Every write that may
 * change the token is guarded on the token reference it read, so the sealed token the hooks receive and the hash
 * that authenticates always change together and a lost race changes nothing. Saving or rotating writes its
 * audit row (the token only as "changed") in the same batch.
 */
import { AppError } from "../runtime/errors";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { lifecycleHooks, type LifecycleHookName, type LifecycleHooks } from "../db/schema";
import { secretStore } from "../secrets/secret-store";
import type { Actor } from "../audit/actor";
import { auditRow } from "../audit/audit-log";
import { CHANGED, fieldChanges } from "../audit/changes";
import { forgetLifecycleToken, issueLifecycleToken } from "../auth/lifecycle-tokens";

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

/**
 * What a save does with the token: `{ supplied }` stores the tenant's own; "keep" keeps the stored one (the
 * masked value sent back); "issue" keeps a token Hookgate issued for this very baseUrl, and otherwise issues one.
 */
export type TokenChoice = { supplied: string } | "keep" | "issue";

export interface LifecycleConfigInput {
  baseUrl: string;
  token: TokenChoice;
  enabled: LifecycleHookName[];
  timeoutMs: number;
  onTimeout: OnTimeout;
  /** The asynchronous hooks' rate limit, calls a second; null = unlimited; left out keeps the stored one. */
  rateLimitPerSecond?: number | null;
}

type SecretEnv = { SECRETS: KVNamespace; MASTER_KEY: string };

/** A saved configuration, and the token issued by this very call: shown once, then only masked. */
export interface SavedLifecycleConfig {
  config: LifecycleHooks;
  issuedToken: string | null;
}

/** How often a save re-reads and tries again after a concurrent save or rotation changed the token under it. */
const SAVE_ATTEMPTS = 3;

const tokenInvalid = (message: string) => new AppError("VALIDATION_FAILED", "Request is invalid: token", [{ path: "token", message }]);

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

/** The token a save stores: its sealed reference, its hash (issued tokens only), and the token when just issued. */
interface ChosenToken {
  ref: string;
  hash: string | null;
  issued: string | null;
  /** True when `ref` was sealed by this save (a new token): it is deleted again if the save loses a race. */
  sealed: boolean;
}

async function chooseToken(env: SecretEnv, tenantId: string, input: LifecycleConfigInput, existing: LifecycleHooks | null): Promise<ChosenToken> {
  const store = secretStore(env);
  if (input.token === "keep") {
    if (!existing) throw tokenInvalid("is masked, but no token is stored yet: send the token, or leave it out to have one issued");
    // A masked token is kept only while it goes where it went: a new baseUrl would otherwise receive it.
    if (existing.baseUrl !== input.baseUrl) throw tokenInvalid("is masked, but baseUrl changed: send the token itself, or leave it out to have one issued");
    return { ref: existing.tokenRef, hash: existing.tokenHash, issued: null, sealed: false };
  }
  if (input.token === "issue") {
    // An issued token stays with its hook server: a new baseUrl gets a new one.
    if (existing && existing.baseUrl === input.baseUrl && existing.tokenHash !== null) {
      return { ref: existing.tokenRef, hash: existing.tokenHash, issued: null, sealed: false };
    }
    const fresh = await issueLifecycleToken();
    return { ref: await store.put({ tenantId, purpose: TOKEN_PURPOSE }, fresh.token), hash: fresh.hash, issued: fresh.token, sealed: true };
  }
  return { ref: await store.put({ tenantId, purpose: TOKEN_PURPOSE }, input.token.supplied), hash: null, issued: null, sealed: true };
}

/** After a write replaced `previous`'s token: its sealed value goes, and an issued one stops authenticating here now. */
async function retireToken(env: SecretEnv, previous: LifecycleHooks, current: LifecycleHooks): Promise<void> {
  if (previous.tokenRef === current.tokenRef) return;
  if (previous.tokenHash !== null) forgetLifecycleToken(previous.tokenHash);
  await secretStore(env).delete(previous.tenantId, previous.tokenRef);
}

/** The write is applied only while the row still holds the token reference read before it (or, for a create, no row). */
const tokenUnchangedSince = (existing: LifecycleHooks | null) => (existing ? eq(lifecycleHooks.tokenRef, existing.tokenRef) : sql`0`);

/**
 * Creates or replaces the tenant's configuration. A new token is sealed first and the old one deleted after the
 * row points at the new one, so a failure in between leaves a stray sealed value, never a dangling row. A save
 * that loses a race with another save or a rotation of the token deletes what it sealed and starts over from
 * the new state; after SAVE_ATTEMPTS such losses it is 409 CONFLICT.
 */
export async function saveLifecycleConfig(
  env: SecretEnv,
  db: Database,
  tenantId: string,
  input: LifecycleConfigInput,
  actor: Actor,
  now = Date.now(),
): Promise<SavedLifecycleConfig> {
  for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
    const existing = await findLifecycleConfig(db, tenantId);
    const token = await chooseToken(env, tenantId, input, existing);
    const rateLimitPerSecond = input.rateLimitPerSecond === undefined ? (existing?.rateLimitPerSecond ?? null) : input.rateLimitPerSecond;
    const settings = { baseUrl: input.baseUrl, enabled: input.enabled, timeoutMs: input.timeoutMs, onTimeout: input.onTimeout, rateLimitPerSecond };
    const values = { ...settings, tokenRef: token.ref, tokenHash: token.hash, updatedAt: now };
    const tokenChanges = token.sealed ? { token: CHANGED, ...(token.issued === null ? {} : { tokenIssued: true }) } : {};
    const changes = { ...fieldChanges(existing ?? {}, settings), ...tokenChanges };
    const action = existing ? "lifecycle_hooks.updated" : "lifecycle_hooks.created";
    const [[saved]] = await db.batch([
      db
        .insert(lifecycleHooks)
        .values({ tenantId, ...values, createdAt: now })
        .onConflictDoUpdate({ target: lifecycleHooks.tenantId, set: values, setWhere: tokenUnchangedSince(existing) })
        .returning(),
      auditRow(db, tenantId, { actor, action, targetId: tenantId, changes }, { now, ifChanged: true }),
    ]);
    if (saved) {
      if (existing) await retireToken(env, existing, saved);
      return { config: saved, issuedToken: token.issued };
    }
    if (token.sealed) await secretStore(env).delete(tenantId, token.ref);
  }
  throw new AppError("CONFLICT", "The lifecycle hooks token kept changing while this save ran (concurrent saves or rotations); nothing was saved, try again");
}

/**
 * Issues a new token in place of the current one (issued or supplied): returned once, the old one stops
 * authenticating and is no longer sent. Null when nothing is configured. A rotation that races another
 * rotation or save is 409 CONFLICT and changes nothing, so the token it would have answered is never valid.
 */
export async function rotateLifecycleToken(env: SecretEnv, db: Database, tenantId: string, actor: Actor, now = Date.now()): Promise<SavedLifecycleConfig | null> {
  const existing = await findLifecycleConfig(db, tenantId);
  if (!existing) return null;
  const store = secretStore(env);
  const fresh = await issueLifecycleToken();
  const ref = await store.put({ tenantId, purpose: TOKEN_PURPOSE }, fresh.token);
  const [[saved]] = await db.batch([
    db
      .update(lifecycleHooks)
      .set({ tokenRef: ref, tokenHash: fresh.hash, updatedAt: now })
      .where(and(eq(lifecycleHooks.tenantId, tenantId), tokenUnchangedSince(existing)))
      .returning(),
    auditRow(db, tenantId, { actor, action: "lifecycle_hooks.token_rotated", targetId: tenantId, changes: { token: CHANGED, tokenIssued: true } }, { now, ifChanged: true }),
  ]);
  if (!saved) {
    await store.delete(tenantId, ref);
    throw new AppError("CONFLICT", "The lifecycle hooks token changed while this rotation ran (another rotation or save); nothing was rotated, try again");
  }
  await retireToken(env, existing, saved);
  return { config: saved, issuedToken: fresh.token };
}
