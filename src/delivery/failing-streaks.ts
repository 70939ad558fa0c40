/**
 * Per subscription, when its callbacks started failing without a success since (auto-disable, retry-policy.ts
 * disableWhenFailingTooLong): one row per subscription with a failing streak, deleted by its next success. A
 * streak belongs to the version of the subscription it was seen under (its updatedAt): saving the subscription
 * again, which re-enables one the engine disabled, starts the count anew.
 */

/** What decides a subscription's streak: the version the drain sends under, and whether auto-disable applies. */
export interface StreakTarget {
  /** The subscription's updatedAt as the drain read it. */
  savedAt: number;
  /** 0: never disabled, so no streak is kept. */
  disableAfterHours: number;
}

interface Streak {
  since: number;
  savedAt: number;
}

export class FailingStreaks {
  /** Read when the object starts, then kept in step with the table: a success costs no read or write unless a streak ends. */
  private readonly streaks: Map<string, Streak>;

  /** `sql`: the store's storage after its held writes have run; `storage`: for the first read (the table is created with the others). */
  constructor(
    private readonly sql: () => SqlStorage,
    storage: SqlStorage,
  ) {
    const rows = storage.exec<{ subscription_id: string; since: number; saved_at: number }>("SELECT subscription_id, since, saved_at FROM failing_streaks").toArray();
    this.streaks = new Map(rows.map((row) => [row.subscription_id, { since: row.since, savedAt: row.saved_at }]));
  }

  /** When the subscription's current streak began; null when it has none under this version of it. */
  since(subscriptionId: string, target: StreakTarget): number | null {
    const streak = this.streaks.get(subscriptionId);
    return streak !== undefined && streak.savedAt === target.savedAt ? streak.since : null;
  }

  /** Records an attempt's outcome: a success ends the streak, a failure starts one unless one is running. */
  note(subscriptionId: string, target: StreakTarget, failed: boolean, now: number): void {
    if (!failed || target.disableAfterHours === 0) {
      if (this.streaks.delete(subscriptionId)) this.sql().exec("DELETE FROM failing_streaks WHERE subscription_id = ?", subscriptionId);
      return;
    }
    if (this.since(subscriptionId, target) !== null) return;
    this.streaks.set(subscriptionId, { since: now, savedAt: target.savedAt });
    this.sql().exec(
      "INSERT INTO failing_streaks (subscription_id, since, saved_at) VALUES (?, ?, ?) ON CONFLICT(subscription_id) DO UPDATE SET since = excluded.since, saved_at = excluded.saved_at",
      subscriptionId,
      now,
      target.savedAt,
    );
  }

  /** Forgets the streaks of deleted subscriptions (the table stays as small as the tenant's subscriptions). */
  forgetDeleted(exists: (subscriptionId: string) => boolean): void {
    for (const subscriptionId of this.streaks.keys()) {
      if (exists(subscriptionId)) continue;
      this.streaks.delete(subscriptionId);
      this.sql().exec("DELETE FROM failing_streaks WHERE subscription_id = ?", subscriptionId);
    }
  }
}
