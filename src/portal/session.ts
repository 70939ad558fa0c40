/**
 * Portal sessions. Signing in (API key or service account) mints a signed, short-lived token that the
 * browser keeps in an HttpOnly, SameSite=Strict cookie (Secure outside development): the cookie never holds
 * the key or password. Every token of one sign-in, renewals included, carries that sign-in's id (`sid`):
 * logging out revokes the sign-in, so every cookie it ever issued (an older one, a stolen one) dies with it.
 * Every request re-checks that the credential behind the session is still live and the sign-in was not logged
 * out, so revoking a key or an account ends its portal sessions at once.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, serviceAccounts } from "../db/schema";
import { revocationOf, revokeTokenId } from "../auth/revoked-tokens";
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
  /** The sign-in this token belongs to: kept by every renewal; logout revokes it. */
  sid: string;
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
  /** Per-session CSRF token that every form must echo. */
  csrf: string;
}

export interface SessionSubject {
  principal: Principal;
  displayName: string;
}

/** What every token of one sign-in shares: its id, when it happened, and its CSRF token (so forms open in other tabs stay valid). */
export type SignIn = Pick<SessionClaims, "sid" | "auth" | "csrf">;

const newSignIn = (now: number): SignIn => ({ sid: toHex(randomBytes(16)), auth: now, csrf: toHex(randomBytes(16)) });

/** When no token of the sign-in is valid any more, however it was renewed (epoch seconds). */
const signInEnd = (signIn: SignIn): number => signIn.auth + MAX_SESSION_SECONDS;

/** A token for a new sign-in, or (given `signIn`) the renewal of an existing one. */
export async function issueSession(
  masterKey: string,
  subject: SessionSubject,
  now = Math.floor(Date.now() / 1000),
  signIn: SignIn = newSignIn(now),
): Promise<{ token: string; claims: SessionClaims }> {
  const claims: SessionClaims = {
    tnt: subject.principal.tenantId,
    sid: signIn.sid,
    knd: subject.principal.kind,
    sub: subject.principal.id,
    scp: [...subject.principal.scopes],
    nam: subject.displayName,
    auth: signIn.auth,
    iat: now,
    exp: Math.min(now + SESSION_TTL_SECONDS, signInEnd(signIn)),
    csrf: signIn.csrf,
  };
  return { token: await signToken(masterKey, PURPOSE, claims), claims };
}

/** A fresh token for the same sign-in, once the current one is past half its life. */
export function needsRenewal(claims: SessionClaims, now = Math.floor(Date.now() / 1000)): boolean {
  return claims.exp - now < SESSION_TTL_SECONDS / 2 && signInEnd(claims) > now + 60;
}

/** The token's claims when it is signed for the tenant, unexpired and names its sign-in; otherwise null. */
export async function verifySessionToken(masterKey: string, tenantId: string, token: string): Promise<SessionClaims | null> {
  const claims = await verifyToken<SessionClaims>(masterKey, PURPOSE, tenantId, token);
  // A token without a sign-in id (issued before sid existed) could not be logged out as a whole: refused.
  return claims && typeof claims.sid === "string" && claims.sid.length > 0 ? claims : null;
}

/** The revoked_tokens id that marks a whole sign-in logged out (AR-JWT rows use bare token ids). */
const signInRevocationId = (sid: string): string => `sid:${sid}`;

/** The session's principal when its sign-in was not logged out and its key or account is still live; otherwise null. */
export async function liveSessionPrincipal(db: Database, claims: SessionClaims): Promise<Principal | null> {
  const credentialTable = claims.knd === "api_key" ? apiKeys : serviceAccounts;
  const [revoked, live] = await db.batch([
    revocationOf(db, signInRevocationId(claims.sid)),
    db
      .select({ id: credentialTable.id })
      .from(credentialTable)
      .where(and(eq(credentialTable.id, claims.sub), eq(credentialTable.tenantId, claims.tnt), isNull(credentialTable.revokedAt))),
  ]);
  if (revoked.length > 0 || live.length === 0) return null;
  return { kind: claims.knd, id: claims.sub, tenantId: claims.tnt, scopes: claims.scp };
}

/** Logout: the whole sign-in stays refused, every token it issued, until its last token would have expired anyway. */
export async function revokeSession(db: Database, claims: SessionClaims): Promise<void> {
  await revokeTokenId(db, { id: signInRevocationId(claims.sid), tenantId: claims.tnt, expiresAt: signInEnd(claims) * 1000 });
}
