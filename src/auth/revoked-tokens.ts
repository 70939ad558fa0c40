/**
 * The one owner of `revoked_tokens`: token ids logged out before they expire — an AR-JWT's `jti`, or a portal
 * sign-in's `sid:{id}` (every session token of that sign-in). A row is kept only until the last token it refuses
 * would have expired anyway; the retention cron then deletes it.
 */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { revokedTokens } from "../db/schema";
import { deletedRows } from "../db/prune";

/** Refuses `id` until `expiresAt` (epoch ms). Revoking twice is a no-op. */
export const revokeTokenId = (db: Database, revocation: { id: string; tenantId: string; expiresAt: number }) =>
  db.insert(revokedTokens).values({ jti: revocation.id, tenantId: revocation.tenantId, expiresAt: revocation.expiresAt }).onConflictDoNothing();

/** The query for `id`'s revocation, for a caller's batch: one row when it was revoked. */
export const revocationOf = (db: Database, id: string) => db.select({ jti: revokedTokens.jti }).from(revokedTokens).where(eq(revokedTokens.jti, id));

/** Deletes up to `limit` revocations whose tokens have all expired by `now`; returns how many. */
export const pruneRevokedTokens = (db: Database, now: number, limit: number): Promise<number> =>
  deletedRows(db, sql`DELETE FROM ${revokedTokens} WHERE rowid IN (SELECT rowid FROM ${revokedTokens} WHERE ${revokedTokens.expiresAt} <= ${now} LIMIT ${limit})`);
