/**
 * The cap on deliveries held for a disabled subscription. A subscription the engine disabled after a 410 Gone
 * keeps getting its deliveries recorded (so saving it again delivers everything it missed, in order), which
 * without a bound would grow the object's storage for as long as nobody looks. Past the cap, the oldest held
 * deliveries are dead-lettered (never blocking: nothing waits behind them), and each stream counts how many
 * it lost that way (table `held_overflow`; `droppedOverCap` in GET /api/v1/streams).
 */

/** Open deliveries one disabled subscription may hold (about 100 MB of bodies at 1 KB each). */
export const HELD_CAP = 100_000;

export const heldCapReason = (cap: number): string => `Dropped: more than ${cap} deliveries were held while the subscription was disabled`;

/**
 * Dead-letters the subscription's oldest pending deliveries beyond `cap` open ones; the caller wraps it in the
 * transaction that stored the fan-out. Returns how many it dropped.
 */
export function capHeldDeliveries(sql: SqlStorage, subscriptionId: string, cap: number, now: number): number {
  const open = sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE subscription_id = ? AND (status IN ('pending', 'inflight') OR blocking = 1)", subscriptionId)
    .one().n;
  if (open <= cap) return 0;
  const oldest = sql
    .exec<{ position: number; stream_key: string }>(
      "SELECT position, stream_key FROM deliveries WHERE subscription_id = ? AND status = 'pending' ORDER BY position LIMIT ?",
      subscriptionId,
      open - cap,
    )
    .toArray();
  sql.exec(
    "UPDATE deliveries SET status = 'dead', blocking = 0, last_error = ?, updated_at = ? WHERE position IN (SELECT value FROM json_each(?))",
    heldCapReason(cap),
    now,
    JSON.stringify(oldest.map((row) => row.position)),
  );
  const perStream = new Map<string, number>();
  for (const row of oldest) perStream.set(row.stream_key, (perStream.get(row.stream_key) ?? 0) + 1);
  for (const [streamKey, dropped] of perStream) {
    sql.exec(
      "INSERT INTO held_overflow (stream_key, dropped) VALUES (?, ?) ON CONFLICT(stream_key) DO UPDATE SET dropped = dropped + excluded.dropped",
      streamKey,
      dropped,
    );
  }
  return oldest.length;
}

/** How many deliveries each stream lost to the cap (streams that lost none are absent). */
export function droppedOverCap(sql: SqlStorage): Map<string, number> {
  return new Map(sql.exec<{ stream_key: string; dropped: number }>("SELECT stream_key, dropped FROM held_overflow").toArray().map((row) => [row.stream_key, row.dropped]));
}
