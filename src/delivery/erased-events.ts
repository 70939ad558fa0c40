/**
 * What the tenant's delivery object keeps of erased records (GDPR erasure, records/erasure.ts): the seqs of
 * their events, so nothing of them is sent or stored again. Erasing skips every open delivery of those events
 * (a dead letter holding its stream lets it go), and empties the stored body of every delivery of them, sent
 * or not. A fan-out that read an event before it was erased drops its deliveries when it stores them
 * (Drain.fanOutNewEvents), and a send that was already out when the record was erased is not retried and logs
 * no response excerpt (Drain.recordAttempt): both ask has().
 *
 * One row per erased event, kept for good (erasures are rare; a row is a few bytes).
 */

/** What a delivery of an erased event says in lastError once erasure has closed it. */
export const ERASED_REASON = "record erased";

export class ErasedEvents {
  /** Read when the object starts, then kept in step with the table by erase(): has() never reads storage (see Drain.start). */
  private readonly seqs: Set<number>;

  /**
   * `sql`: the store's storage after its held writes have run (DeliveryStore.sql); `storage`: for the first read
   * (the table is created with the object's others, delivery-tables.ts).
   */
  constructor(
    private readonly sql: () => SqlStorage,
    storage: SqlStorage,
  ) {
    this.seqs = new Set(storage.exec<{ event_seq: number }>("SELECT event_seq FROM erased_events").toArray().map((row) => row.event_seq));
  }

  has(eventSeq: number): boolean {
    return this.seqs.has(eventSeq);
  }

  /**
   * Records the seqs as erased and closes what the object holds of them; the caller wraps it in one transaction.
   * Returns the bodies it emptied of lifecycle deliveries (those with a url of their own): a changePassword's refers
   * to its sealed password, which the caller deletes.
   */
  erase(eventSeqs: readonly number[], now: number): string[] {
    const sql = this.sql();
    const seqs = JSON.stringify(eventSeqs);
    const lifecycleBodies = sql
      .exec<{ body: string }>("SELECT body FROM deliveries WHERE event_seq IN (SELECT value FROM json_each(?)) AND url IS NOT NULL AND body <> ''", seqs)
      .toArray()
      .map((row) => row.body);
    sql.exec("INSERT OR IGNORE INTO erased_events (event_seq) SELECT value FROM json_each(?)", seqs);
    sql.exec(
      `UPDATE deliveries SET body = '',
         last_error = CASE WHEN status = 'pending' OR blocking = 1 THEN ? ELSE last_error END,
         status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END,
         blocking = 0, updated_at = ?
       WHERE event_seq IN (SELECT value FROM json_each(?))`,
      ERASED_REASON,
      now,
      seqs,
    );
    for (const seq of eventSeqs) this.seqs.add(seq);
    return lifecycleBodies;
  }
}
