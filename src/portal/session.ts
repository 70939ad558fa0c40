/**
 * Portal sessions. Signing in (API key or service account) mints a signed, short-lived token that the
 * browser keeps in an HttpOnly, SameSite=Strict cookie (Secure outside development): the cookie never holds
 * the key or password. Every request re-checks that the credential behind the session is still live and the
 * session was not logged out, so revoking a key or an account ends its portal sessions at once.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, revokedTokens, serviceAccounts } from "../db/schema";
import { randomBytes, toHex } from "../runtime/crypto";
import { signToken, verifyToken } from "../auth/signed-token";
import type { Principal } from "../auth/principal";

export const SESSION_COOKIE = "hg_portal";
/** Short-lived; a session is re-issued when less than half of this is left (sliding, capped at MAX_SESSION). */
export const SESSION_TTL_SECONDS = 30 * 60;
const MAX_SESSION_SECONDS = 12 * 60 * 60;
const PURPOSE = "hookgate/portal-session/v1";

export interface SessionClaims {
  tnt: string;
  /** The credential that signed in: its kind and id (never the secret). */
  knd: Principal["kind"];
  sub: string;
  scp: string[];
  /** Who signed in, for the header (API key name or account email). */
  nam: string;
  /** First sign-in time: caps sliding renewal. */
  auth: number;
  iat: number;
  exp: number;
  jti: string;
  /** Per-session CSRF token that every form must echo. */
  csrf: string;
}

export interface SessionSubject {
  principal: Principal;
  displayName: string;
}

export async function issueSession(
  masterKey: string,
  subject: SessionSubject,
  now = Math.floor(Date.now() / 1000),
  authenticatedAt = now,
  /** Kept on renewal, so forms open in other tabs stay valid. */
  csrf = toHex(randomBytes(16)),
): Promise<{ token: string; claims: SessionClaims }> {
  const claims: SessionClaims = {
    tnt: subject.principal.tenantId,
    knd: subject.principal.kind,
    sub: subject.principal.id,
    scp: [...subject.principal.scopes],
    nam: subject.displayName,
    auth: authenticatedAt,
    iat: now,
    exp: Math.min(now + SESSION_TTL_SECONDS, authenticatedAt + MAX_SESSION_SECONDS),
    jti: toHex(randomBytes(16)),
    csrf,
  };
  return { token: await signToken(masterKey, PURPOSE, claims), claims };
}

/** A fresh token for the same sign-in, once the current one is past half its life. */
export function needsRenewal(claims: SessionClaims, now = Math.floor(Date.now() / 1000)): boolean {
  return claims.exp - now < SESSION_TTL_SECONDS / 2 && claims.auth + MAX_SESSION_SECONDS > now + 60;
}

export const verifySessionToken = (masterKey: string, tenantId: string, token: string) =>
  verifyToken<SessionClaims>(masterKey, PURPOSE, tenantId, token);

/** The session's principal when it was not logged out and its key or account is still live; otherwise null. */
export async function liveSessionPrincipal(db: Database, claims: SessionClaims): Promise<Principal | null> {
  const credentialTable = claims.knd === "api_key" ? apiKeys : serviceAccounts;
  const [revoked, live] = await db.batch([
    db.select({ jti: revokedTokens.jti }).from(revokedTokens).where(eq(revokedTokens.jti, claims.jti)),
    db
      .select({ id: credentialTable.id })
      .from(credentialTable)
      .where(and(eq(credentialTable.id, claims.sub), eq(credentialTable.tenantId, claims.tnt), isNull(credentialTable.revokedAt))),
  ]);
  if (revoked.length > 0 || live.length === 0) return null;
  return { kind: claims.knd, id: claims.sub, tenantId: claims.tnt, scopes: claims.scp };
}

/** Logout: the token id stays refused until the token would have expired anyway. */
export async function revokeSession(db: Database, claims: SessionClaims): Promise<void> {
  await db.insert(revokedTokens).values({ jti: claims.jti, tenantId: claims.tnt, expiresAt: claims.exp * 1000 }).onConflictDoNothing();
}
