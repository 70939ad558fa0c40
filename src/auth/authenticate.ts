/**
 * Tenant authentication middleware factory. Routes declare the scope they need; the middleware accepts an
 * API key (bare or Bearer), a service account (Basic), an AR-JWT or an issued lifecycle hook token (Bearer
 * `hglt_…`), checks it belongs to the resolved tenant and is not revoked, and sets `principal`. Any failure is
 * 401 UNAUTHORIZED with a WWW-Authenticate challenge: the response never says whether a key exists for another
 * tenant. Basic is a password sign-in, throttled like every other (password-sign-in.ts): 429 RATE_LIMITED with
 * Retry-After after too many failures. A read-only principal (a lifecycle token) gets 403 FORBIDDEN on any
 * method but GET and HEAD, and on reads that reveal a secret (`revealsSecret`).
 */
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { apiKeys, serviceAccounts } from "../db/schema";
import { revocationOf } from "./revoked-tokens";
import type { Database } from "../db/client";
import { parseAuthorization } from "./authorization-header";
import { findApiKeyLookup } from "./api-keys";
import { sha256Hex } from "../runtime/crypto";
import { LOOKUP_CACHE_TTL_MS, TtlCache } from "../http/ttl-cache";
import { passwordSignIn } from "./password-sign-in";
import { unauthorized } from "./unauthorized";
import { verifyArJwt } from "./ar-jwt";
import { hasScope, type Principal, type Scope } from "./principal";
import { internalPrincipal } from "./internal-principal";
import { lifecycleTokenPrincipal } from "./lifecycle-tokens";

/** The methods a read-only principal may call: they change nothing. */
const READ_METHODS = new Set(["GET", "HEAD"]);

/** last_used_at is advisory: refresh it at most this often, off the response path. */
const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

/** Verified API keys by SHA-256 hash; revocation deletes the entry (src/admin/api-keys.ts). */
export const apiKeyCache = new TtlCache<string, Principal>(LOOKUP_CACHE_TTL_MS);

export async function apiKeyPrincipal(
  env: AppEnv["Bindings"],
  db: Database,
  tenantId: string,
  key: string,
  now: number,
  defer: (work: Promise<unknown>) => void,
): Promise<Principal> {
  const hash = await sha256Hex(key);
  const cached = apiKeyCache.get(hash);
  if (cached) {
    if (cached.tenantId !== tenantId) throw unauthorized("API key is not valid for this tenant");
    return cached;
  }
  const lookup = await findApiKeyLookup(env.SECRETS, hash);
  if (!lookup || lookup.tenantId !== tenantId) throw unauthorized("API key is not valid for this tenant");
  // KV is eventually consistent; D1 is the authority on revocation, so a revoked key fails on the next request.
  const row = await db
    .select({ revokedAt: apiKeys.revokedAt, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, lookup.keyId), eq(apiKeys.tenantId, tenantId)))
    .get();
  if (!row || row.revokedAt !== null) throw unauthorized("API key is revoked");
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    defer(db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, lookup.keyId)).run());
  }
  const principal: Principal = { kind: "api_key", id: lookup.keyId, tenantId, scopes: lookup.scopes };
  apiKeyCache.set(hash, principal);
  return principal;
}

/** An AR-JWT from /api/jwt/login: signed for this tenant, unexpired, not logged out, its account still live. */
async function arJwtPrincipal(db: Database, masterKey: string, tenantId: string, token: string): Promise<Principal> {
  const claims = await verifyArJwt(masterKey, tenantId, token);
  if (!claims) throw unauthorized("AR-JWT token is invalid or expired");
  const [revoked, account] = await db.batch([
    revocationOf(db, claims.jti),
    db
      .select({ id: serviceAccounts.id })
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.id, claims.sub), eq(serviceAccounts.tenantId, tenantId), isNull(serviceAccounts.revokedAt))),
  ]);
  if (revoked.length > 0) throw unauthorized("AR-JWT token was logged out");
  if (account.length === 0) throw unauthorized("The token's service account no longer exists");
  return { kind: "service_account", id: claims.sub, tenantId, scopes: claims.scp, tokenId: claims.jti, tokenExpiresAt: claims.exp };
}

interface AuthenticateOptions {
  /** The scope a credential must carry to call the route. */
  scope: Scope;
  /** The route answers a secret in clear (a signing secret): a read-only principal may not call it. */
  revealsSecret?: boolean;
}

export const authenticate = (options: AuthenticateOptions) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const tenant = c.get("tenant");
    const principal = internalPrincipal(c.req.raw) ?? (await credentialPrincipal(c));
    if (principal.tenantId !== tenant.id) throw unauthorized("Credential is not valid for this tenant");
    if (!hasScope(principal, options.scope)) {
      throw new AppError("FORBIDDEN", `This credential is not allowed the '${options.scope}' scope`);
    }
    if (principal.readOnly && (!READ_METHODS.has(c.req.method) || options.revealsSecret)) {
      throw new AppError("FORBIDDEN", "This credential is read-only: it may read the tenant API (GET), not change it or read secrets");
    }
    c.set("principal", principal);
    await next();
  });

/** The principal behind the request's Authorization header (API key, service account, AR-JWT or lifecycle token). */
async function credentialPrincipal(c: Context<AppEnv>): Promise<Principal> {
  const credential = parseAuthorization(c.req.header("authorization"));
  if (!credential) throw unauthorized("Missing or malformed Authorization header");
  const tenant = c.get("tenant");
  const db = c.get("db");
  const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(() => undefined));
  if (credential.kind === "api_key") return apiKeyPrincipal(c.env, db, tenant.id, credential.key, Date.now(), defer);
  if (credential.kind === "ar_jwt") return arJwtPrincipal(db, c.get("config").MASTER_KEY, tenant.id, credential.token);
  if (credential.kind === "lifecycle_token") return lifecycleTokenPrincipal(db, tenant.id, credential.token);
  const { email, password } = credential;
  return passwordSignIn(db, { tenantId: tenant.id, email, password, connectingIp: c.req.header("cf-connecting-ip") });
}
