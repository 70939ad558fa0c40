/**
 * Lifecycle hook tokens that Hookgate issues (issue 18): `hglt_` + 256 random bits (base64url). The hook server
 * receives one as its `Authorization: Bearer` and may use it to read the tenant's API (seed 001: the token "can be
 * used for making any API calls"), never to write. Only its SHA-256 is kept for authentication, in
 * `lifecycle_hooks.token_hash` (the row lifecycle/config-store.ts owns; this module only reads that column);
 * the token itself is sealed in KV for sending. Verified tokens are cached per isolate for LOOKUP_CACHE_TTL_MS,
 * and a rotation forgets the replaced one here at once.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { lifecycleHooks } from "../db/schema";
import { LOOKUP_CACHE_TTL_MS, TtlCache } from "../http/ttl-cache";
import { randomBytes, sha256Hex, toBase64Url } from "../runtime/crypto";
import type { Principal } from "./principal";
import { unauthorized } from "./unauthorized";

export const LIFECYCLE_TOKEN_PREFIX = "hglt_";

/** What a token may call: the tenant API's reads (scope `api`, GET and HEAD only; see authenticate.ts). */
const LIFECYCLE_TOKEN_SCOPES = ["api"] as const;

export interface IssuedLifecycleToken {
  token: string;
  hash: string;
}

export async function issueLifecycleToken(): Promise<IssuedLifecycleToken> {
  const token = LIFECYCLE_TOKEN_PREFIX + toBase64Url(randomBytes(32));
  return { token, hash: await sha256Hex(token) };
}

/** Whether a presented credential has the shape of an issued lifecycle token (API keys start `hg_`). */
export const isLifecycleToken = (credential: string): boolean => credential.startsWith(LIFECYCLE_TOKEN_PREFIX);

/** Verified tokens by SHA-256 hash. */
const verified = new TtlCache<string, Principal>(LOOKUP_CACHE_TTL_MS);

/** Drops a replaced token from this isolate's cache, so it stops working here at once (elsewhere within 5 s). */
export const forgetLifecycleToken = (hash: string): void => verified.delete(hash);

/** The read-only principal of the tenant's current issued token; 401 for any other token, or another tenant's. */
export async function lifecycleTokenPrincipal(db: Database, tenantId: string, token: string): Promise<Principal> {
  const hash = await sha256Hex(token);
  const cached = verified.get(hash);
  if (cached) {
    if (cached.tenantId !== tenantId) throw unauthorized("Lifecycle token is not valid for this tenant");
    return cached;
  }
  const row = await db
    .select({ tenantId: lifecycleHooks.tenantId })
    .from(lifecycleHooks)
    .where(and(eq(lifecycleHooks.tenantId, tenantId), eq(lifecycleHooks.tokenHash, hash)))
    .get();
  if (!row) throw unauthorized("Lifecycle token is not valid for this tenant (replaced, or never issued)");
  const principal: Principal = {
    kind: "lifecycle_token",
    id: token.slice(0, LIFECYCLE_TOKEN_PREFIX.length + 6),
    tenantId,
    scopes: LIFECYCLE_TOKEN_SCOPES,
    readOnly: true,
  };
  verified.set(hash, principal);
  return principal;
}
