/**
 * The sign_in_failures table (control plane), the sign-in throttle's counters: read them, count a failure with
 * one upsert per counter (the database does the arithmetic, so racing failures never lose an increment),
 * clear one, and prune the ones whose window has ended. The rule they feed is sign-in-throttle.ts.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { deletedRows } from "../db/prune";
import { signInFailures } from "../db/schema";
import { SIGN_IN_WINDOW_MS, type FailureCount } from "./sign-in-throttle";

export const readFailureCounts = (db: Database, keys: readonly string[]): Promise<FailureCount[]> =>
  db.select().from(signInFailures).where(inArray(signInFailures.key, [...keys])).all();

/**
 * One more failure on each counter, at `now`: a counter that does not exist yet, or whose window has ended,
 * starts a new window at 1; otherwise its count goes up by one and its window stays where it is.
 */
export async function recordFailures(db: Database, keys: readonly string[], now: number): Promise<void> {
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
      });
  });
  if (first) await db.batch([first, ...rest]);
}

/** A successful sign-in forgets the account's failures. */
export async function clearFailures(db: Database, key: string): Promise<void> {
  await db.delete(signInFailures).where(eq(signInFailures.key, key));
}

/** Deletes up to `limit` counters whose window ended before `now` (the retention cron); returns how many. */
export const pruneSignInFailures = (db: Database, now: number, limit: number): Promise<number> =>
  deletedRows(
    db,
    sql`DELETE FROM ${signInFailures} WHERE rowid IN (SELECT rowid FROM ${signInFailures} WHERE ${signInFailures.windowStartedAt} <= ${now - SIGN_IN_WINDOW_MS} LIMIT ${limit})`,
  );
