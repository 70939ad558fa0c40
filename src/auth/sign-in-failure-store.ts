/**
 * The sign_in_failures table (control plane), the sign-in throttle's counters: read them, count an attempt with
 * one upsert per counter (the database does the arithmetic, so racing attempts never lose an increment), take
 * one back, clear one, and prune the ones whose window has ended. The rule they feed is sign-in-throttle.ts.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { deletedRows } from "../db/prune";
import { signInFailures } from "../db/schema";
import { SIGN_IN_WINDOW_MS, type FailureCount } from "./sign-in-throttle";

export const readFailureCounts = (db: Database, keys: readonly string[]): Promise<FailureCount[]> =>
  db.select().from(signInFailures).where(inArray(signInFailures.key, [...keys])).all();

/**
 * One more attempt on each counter, at `now`, and the counters as they are after it: a counter that does not
 * exist yet, or whose window has ended, starts a new window at 1; otherwise its count goes up by one and its
 * window stays where it is. The database does the arithmetic and answers in the same statement, so racing
 * attempts each see their own count.
 */
export async function recordFailures(db: Database, keys: readonly string[], now: number): Promise<FailureCount[]> {
  const [first, ...rest] = keys.map((key) => {
    // SET expressions read the row as it was before this update, so both CASEs test the same old window.
    const expired = sql`${signInFailures.windowStartedAt} <= ${now - SIGN_IN_WINDOW_MS}`;
    return db
      .insert(signInFailures)
      .values({ key, failures: 1, windowStartedAt: now })
      .onConflictDoUpdate({
        target: signInFailures.key,
        set: {
          failures: sql`CASE WHEN ${expired} THEN 1 ELSE ${signInFailures.failures} + 1 END`,
          windowStartedAt: sql`CASE WHEN ${expired} THEN ${now} ELSE ${signInFailures.windowStartedAt} END`,
        },
      })
      .returning();
  });
  if (!first) return [];
  const counted = await db.batch([first, ...rest]);
  return counted.flat();
}

const releaseStatement = (db: Database, keys: readonly string[]) =>
  db
    .update(signInFailures)
    .set({ failures: sql`MAX(${signInFailures.failures} - 1, 0)` })
    .where(inArray(signInFailures.key, [...keys]));

/** Takes back one attempt counted on each counter (it turned out not to be a failure). */
export async function releaseAttempts(db: Database, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await releaseStatement(db, keys);
}

/** A sign-in that succeeded, in one batch: its attempt is taken back from the address, the account forgets its failures. */
export async function acceptSignIn(db: Database, address: string, account: string | undefined): Promise<void> {
  if (account === undefined) await releaseStatement(db, [address]);
  else await db.batch([releaseStatement(db, [address]), db.delete(signInFailures).where(eq(signInFailures.key, account))]);
}

/** Deletes up to `limit` counters whose window ended before `now` (the retention cron); returns how many. */
export const pruneSignInFailures = (db: Database, now: number, limit: number): Promise<number> =>
  deletedRows(
    db,
    sql`DELETE FROM ${signInFailures} WHERE rowid IN (SELECT rowid FROM ${signInFailures} WHERE ${signInFailures.windowStartedAt} <= ${now - SIGN_IN_WINDOW_MS} LIMIT ${limit})`,
  );
