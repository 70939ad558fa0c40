/**
 * The TenantDelivery object's own SQLite: its cursor into the events outbox, the deliveries it fanned out
 * (one per subscription and event, plus replays), and the circuit breaker of each callback URL.
 * A delivery's `position` orders it within its stream; only the head of a stream is ever sent.
 */
import type { PlannedDelivery } from "./fan-out";
import { deliveryId, HEAD_COLUMNS, SCHEMA, type DeliveryRow, type DeliveryStatus, type HeadRow } from "./delivery-tables";
import { continuedStreamKey } from "./stream-scheduler";
import { ErasedEvents } from "./erased-events";
import { FailingStreaks } from "./failing-streaks";
import { capHeldDeliveries, droppedOverCap } from "./held-cap";
import { runtimeTimers, type Timers } from "./time";

/**
 * When a write may wait: "now" runs it at once; "held" keeps it in memory until the next flush (see
 * DeliveryStore), so the outcomes of many quick sends reach storage in one commit instead of one each.
 */
export type WriteTiming = "now" | "held";

export interface HeldWriteLimits {
  /** The most writes held at once; the one that reaches it flushes them all. */
  maxHeld: number;
  /** The longest a held write waits before a timer flushes it. */
  maxHeldMs: number;
}

interface HeldWrite {
  query: string;
  bindings: SqlStorageValue[];
}

export class DeliveryStore {
  private held: HeldWrite[] = [];
  /** Where in `held` a delivery's held in-flight mark is, so its held outcome can take its place (one UPDATE, not two). */
  private readonly heldMarks = new Map<string, number>();
  private heldTimer: unknown;
  /** The events of erased records: what the object must no longer send or keep (erased-events.ts). */
  readonly erased: ErasedEvents;
  /** When each subscription's callbacks started failing (auto-disable: failing-streaks.ts). */
  readonly failing: FailingStreaks;

  /**
   * Held writes are group commit: each storage commit costs about as much as a fast callback's whole
   * round trip, and an awaited send waits for the commit before it (the output gate). Every statement this
   * store runs goes through `sql`, which runs the held writes first: reads always see them and writes keep
   * their order, so only the moment they become durable moves, by at most `limits.maxHeldMs`.
   */
  constructor(
    private readonly storage: SqlStorage,
    private readonly limits: HeldWriteLimits = { maxHeld: 64, maxHeldMs: 20 },
    private readonly timers: Timers = runtimeTimers,
  ) {
    for (const statement of SCHEMA) storage.exec(statement);
    // Objects created before deliveries had a url column get it (NULL: send to the subscription's callback).
    const columns = storage.exec<{ name: string }>("SELECT name FROM pragma_table_info('deliveries')").toArray();
    if (!columns.some((column) => column.name === "url")) storage.exec("ALTER TABLE deliveries ADD COLUMN url TEXT");
    this.erased = new ErasedEvents(() => this.sql, storage);
    this.failing = new FailingStreaks(() => this.sql, storage);
  }

  /** The storage, after the held writes have run: the only way the methods below reach it. */
  private get sql(): SqlStorage {
    this.flushHeld();
    return this.storage;
  }

  /** Writes waiting in memory (see WriteTiming). */
  get heldWrites(): number {
    return this.held.length;
  }

  /** Runs the held writes now, in the order they were made. */
  flushHeld(): void {
    if (this.heldTimer !== undefined) this.timers.clear(this.heldTimer);
    this.heldTimer = undefined;
    const writes = this.held;
    if (writes.length === 0) return;
    this.held = [];
    this.heldMarks.clear();
    for (const write of writes) this.storage.exec(write.query, ...write.bindings);
  }

  private write(timing: WriteTiming, query: string, ...bindings: SqlStorageValue[]): void {
    if (timing === "now") {
      this.sql.exec(query, ...bindings);
      return;
    }
    this.held.push({ query, bindings });
    if (this.held.length >= this.limits.maxHeld) this.flushHeld();
    else this.heldTimer ??= this.timers.set(() => this.flushHeld(), this.limits.maxHeldMs);
  }

  /** The tenant this object serves, remembered so an alarm knows it without a request. */
  tenantId(): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tenant'").toArray()[0]?.value ?? null;
  }

  rememberTenant(tenantId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('tenant', ?)", tenantId);
  }

  cursor(): number {
    return this.sql.exec<{ value: number }>("SELECT value FROM cursor WHERE id = 1").toArray()[0]?.value ?? 0;
  }

  /**
   * Records the fan-out of a page of events and advances the cursor (never back: two fan-outs that overlap
   * write the same deliveries, and the later page wins); the caller wraps it in one transaction. Returns the
   * deliveries as stored: a subscription whose ordering changed while deliveries were open keeps its old kind
   * of stream for new ones until those are done (continuedStreamKey()), decided here, in that transaction.
   */
  addFanOut(planned: readonly PlannedDelivery[], cursor: number, now: number): PlannedDelivery[] {
    const openKeys = new Map<string, string | null>();
    const stored = planned.map((delivery) => {
      let openKey = openKeys.get(delivery.subscriptionId);
      if (openKey === undefined) {
        openKey = this.oldestOpenStreamKey(delivery.subscriptionId);
        openKeys.set(delivery.subscriptionId, openKey);
      }
      return { ...delivery, streamKey: continuedStreamKey(delivery, openKey) };
    });
    for (const delivery of stored) {
      this.sql.exec(
        `INSERT OR IGNORE INTO deliveries (id, subscription_id, stream_key, event_seq, body, content_type, url, status, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        deliveryId(delivery.eventSeq, delivery.subscriptionId),
        delivery.subscriptionId,
        delivery.streamKey,
        delivery.eventSeq,
        delivery.body,
        delivery.contentType,
        delivery.url ?? null,
        now,
        now,
        now,
      );
    }
    this.sql.exec("INSERT INTO cursor (id, value) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET value = MAX(value, excluded.value)", cursor);
    return stored;
  }

  /** The stream of a subscription's oldest open original (not replayed) delivery; null when none is open. */
  private oldestOpenStreamKey(subscriptionId: string): string | null {
    return (
      this.sql
        .exec<{ stream_key: string }>(
          "SELECT stream_key FROM deliveries WHERE subscription_id = ? AND (status IN ('pending', 'inflight') OR blocking = 1) AND replay_of IS NULL ORDER BY position LIMIT 1",
          subscriptionId,
        )
        .toArray()[0]?.stream_key ?? null
    );
  }

  /**
   * The head (first in stream order) of every stream that still has work or is blocked, one index seek per
   * stream (the first open delivery in index order past the previous stream's key), rather than ranking every
   * open delivery, bodies and all, when a backlog is deep.
   */
  streamHeads(): HeadRow[] {
    const heads: HeadRow[] = [];
    for (let head = this.nextStreamHead(null); head; head = this.nextStreamHead(head.stream_key)) heads.push(head);
    return heads;
  }

  private nextStreamHead(after: string | null): HeadRow | null {
    const open = "(status IN ('pending', 'inflight') OR blocking = 1)";
    const order = "ORDER BY stream_key, COALESCE(stream_order, position), position LIMIT 1";
    const rows =
      after === null
        ? this.sql.exec<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM deliveries WHERE ${open} ${order}`)
        : this.sql.exec<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM deliveries WHERE stream_key > ? AND ${open} ${order}`, after);
    return rows.toArray()[0] ?? null;
  }

  /** The head of one stream (as streamHeads() would give it), or null when the stream has no open work. */
  streamHead(streamKey: string): HeadRow | null {
    return (
      this.sql
        .exec<HeadRow>(
          `SELECT ${HEAD_COLUMNS} FROM deliveries WHERE stream_key = ? AND (status IN ('pending', 'inflight') OR blocking = 1)
           ORDER BY COALESCE(stream_order, position), position LIMIT 1`,
          streamKey,
        )
        .toArray()[0] ?? null
    );
  }

  /** The first `limit` open deliveries of one stream in stream order: its head (as streamHead() gives it) and those behind it. */
  streamAhead(streamKey: string, limit: number): HeadRow[] {
    return this.sql
      .exec<HeadRow>(
        `SELECT ${HEAD_COLUMNS} FROM deliveries WHERE stream_key = ? AND (status IN ('pending', 'inflight') OR blocking = 1)
         ORDER BY COALESCE(stream_order, position), position LIMIT ?`,
        streamKey,
        limit,
      )
      .toArray();
  }

  /**
   * When the earliest stream head that can be sent is due (its next_attempt_at; one in flight counts, at its
   * retry time), or null when nothing can be sent: no open work, or every stream held behind a blocked head.
   * Only heads count, since only heads are sent; the walk seeks one head per stream and reads no bodies.
   */
  earliestDue(): number | null {
    const open = "(status IN ('pending', 'inflight') OR blocking = 1)";
    return this.sql
      .exec<{ due: number | null }>(
        `WITH RECURSIVE streams(key) AS (
           SELECT MIN(stream_key) FROM deliveries WHERE ${open}
           UNION ALL
           SELECT (SELECT MIN(stream_key) FROM deliveries WHERE stream_key > streams.key AND ${open}) FROM streams WHERE streams.key IS NOT NULL
         )
         SELECT MIN(head.next_attempt_at) AS due FROM streams
         JOIN deliveries head ON head.position = (
           SELECT position FROM deliveries WHERE stream_key = streams.key AND ${open}
           ORDER BY COALESCE(stream_order, position), position LIMIT 1)
         WHERE head.status IN ('pending', 'inflight')`,
      )
      .one().due;
  }

  /**
   * A delivery's body, read straight from storage without running the held writes first (a read through `sql`
   * would, ending the group commit of the sends under way): a body is written once, at once, and never changed.
   */
  bodyOf(id: string): string | null {
    return this.storage.exec<{ body: string }>("SELECT body FROM deliveries WHERE id = ?", id).toArray()[0]?.body ?? null;
  }

  get(id: string): DeliveryRow | null {
    return this.sql.exec<DeliveryRow>("SELECT * FROM deliveries WHERE id = ?", id).toArray()[0] ?? null;
  }

  /**
   * Marks a send under way. `retryAt` is when it goes again if its outcome is never recorded (the object dies
   * during the send): a send that kills the object backs off like any other failure instead of looping.
   */
  markInflight(id: string, now: number, retryAt: number, timing: WriteTiming = "now"): void {
    if (timing === "held") this.heldMarks.set(id, this.held.length);
    this.write(timing, "UPDATE deliveries SET status = 'inflight', attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ?", retryAt, now, id);
  }

  /** After a crash nothing is really in flight: those sends had an unknown outcome and go again at their retry time. */
  resetInflight(): number {
    return this.sql.exec("UPDATE deliveries SET status = 'pending' WHERE status = 'inflight'").rowsWritten;
  }

  finish(
    id: string,
    update: { status: DeliveryStatus; blocking?: boolean; nextAttemptAt?: number; lastStatus: number | null; lastError: string | null; now: number },
    timing: WriteTiming = "now",
  ): void {
    const bindings = [update.status, update.blocking ? 1 : 0, update.nextAttemptAt ?? null, update.lastStatus, update.lastError, update.now, id];
    const set = "status = ?, blocking = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_status = ?, last_error = ?, updated_at = ?";
    const mark = timing === "held" ? this.heldMarks.get(id) : undefined;
    if (mark !== undefined) {
      // Its in-flight mark is still held: one UPDATE does both, in the mark's place (no write in between touches this row).
      this.heldMarks.delete(id);
      this.held[mark] = { query: `UPDATE deliveries SET ${set}, attempts = attempts + 1 WHERE id = ?`, bindings };
      return;
    }
    this.write(timing, `UPDATE deliveries SET ${set} WHERE id = ?`, ...bindings);
  }

  /**
   * Re-sends a delivery as a new one (same event, same body, a new webhook-id): at the end of its stream, or,
   * with `inPlace`, where the original stood (replaying a blocked head must not let later events overtake it).
   * Every replay, of the original or of one of its replays, is a replay of the original: `_r<n>` counts them.
   */
  replay(original: DeliveryRow, now: number, inPlace = false): DeliveryRow {
    const lineage = original.replay_of ?? original.id;
    const count = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE replay_of = ?", lineage).one().n;
    const id = deliveryId(original.event_seq, original.subscription_id, count + 1);
    this.sql.exec(
      `INSERT INTO deliveries (id, subscription_id, stream_key, event_seq, body, content_type, url, status, next_attempt_at, replay_of, stream_order, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
      id,
      original.subscription_id,
      original.stream_key,
      original.event_seq,
      original.body,
      original.content_type,
      original.url,
      now,
      lineage,
      inPlace ? (original.stream_order ?? original.position) : null,
      now,
      now,
    );
    return this.get(id)!;
  }

  /** Original (non-replay) deliveries of a subscription from an event seq or a time on, in stream order. */
  originalsSince(subscriptionId: string, since: { seq?: number; time?: number }): DeliveryRow[] {
    return this.sql
      .exec<DeliveryRow>(
        "SELECT * FROM deliveries WHERE subscription_id = ? AND replay_of IS NULL AND event_seq >= ? AND created_at >= ? ORDER BY position",
        subscriptionId,
        since.seq ?? 0,
        since.time ?? 0,
      )
      .toArray();
  }

  /**
   * Retention: deletes up to `limit` closed deliveries (delivered, skipped, or dead and not blocking) last changed
   * before `before`. It looks only at the `limit` oldest of each closed status (by position, through the status
   * index), so the statement stays bounded however many deliveries the object holds. Open work is never pruned.
   */
  pruneClosed(before: number, limit: number): number {
    let deleted = 0;
    for (const status of ["delivered", "skipped", "dead"] as const) {
      if (deleted >= limit) break;
      this.sql.exec(
        `DELETE FROM deliveries WHERE position IN (SELECT position FROM deliveries WHERE status = ? ORDER BY position LIMIT ?)
         AND updated_at < ? AND blocking = 0`,
        status,
        limit - deleted,
        before,
      );
      // Counted by changes(), not rowsWritten, which also counts every index entry written.
      const removed = this.storage.exec<{ n: number }>("SELECT changes() AS n").one().n;
      // Pruned dead letters stay counted (the metrics' dead-letter counter never falls); written with the delete,
      // no await between, so the object commits both or neither.
      if (status === "dead" && removed > 0)
        this.sql.exec("INSERT INTO meta (key, value) VALUES ('pruned_dead_letters', ?) ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)", removed);
      deleted += removed;
    }
    return deleted;
  }

  /** Dead letters retention has pruned so far (see pruneClosed). */
  prunedDeadLetters(): number {
    return Number(this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'pruned_dead_letters'").toArray()[0]?.value ?? 0);
  }

  /** How many of a subscription's deliveries are open: pending, in flight, or a dead letter blocking its stream. */
  openDeliveries(subscriptionId: string): number {
    return this.sql
      .exec<{ open: number }>(
        "SELECT COUNT(*) AS open FROM deliveries WHERE subscription_id = ? AND (status IN ('pending', 'inflight') OR blocking = 1)",
        subscriptionId,
      )
      .one().open;
  }

  /** Whether any delivery of this event is open: pending, in flight, or a dead letter blocking its stream (an index seek). */
  hasOpenDelivery(eventSeq: number): boolean {
    return this.sql.exec("SELECT 1 FROM deliveries WHERE event_seq = ? AND (status IN ('pending', 'inflight') OR blocking = 1) LIMIT 1", eventSeq).toArray().length > 0;
  }

  list(filter: { subscriptionId?: string; status?: DeliveryStatus; afterPosition?: number; limit: number }): DeliveryRow[] {
    const where = ["position > ?"];
    const bindings: (string | number)[] = [filter.afterPosition ?? 0];
    if (filter.subscriptionId) {
      where.push("subscription_id = ?");
      bindings.push(filter.subscriptionId);
    }
    if (filter.status) {
      where.push("status = ?");
      bindings.push(filter.status);
    }
    return this.sql
      .exec<DeliveryRow>(`SELECT * FROM deliveries WHERE ${where.join(" AND ")} ORDER BY position LIMIT ?`, ...bindings, filter.limit)
      .toArray();
  }

  /** Per stream: open work, its head, and how far delivery got (for GET /api/v1/streams). */
  streamSummaries() {
    return this.sql
      .exec<{ stream_key: string; subscription_id: string; pending: number; delivered_seq: number | null; newest_seq: number; dead: number }>(
        `SELECT stream_key, subscription_id,
                SUM(CASE WHEN status IN ('pending', 'inflight') OR blocking = 1 THEN 1 ELSE 0 END) AS pending,
                MAX(CASE WHEN status IN ('delivered', 'dead', 'skipped') AND blocking = 0 THEN event_seq END) AS delivered_seq,
                MAX(event_seq) AS newest_seq,
                SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead
         FROM deliveries GROUP BY stream_key ORDER BY stream_key`,
      )
      .toArray();
  }

  /** Dead-letters a disabled subscription's oldest held deliveries past `cap` (held-cap.ts); how many it dropped. */
  capHeld(subscriptionId: string, cap: number, now: number): number {
    return capHeldDeliveries(this.sql, subscriptionId, cap, now);
  }

  droppedOverCap(): Map<string, number> {
    return droppedOverCap(this.sql);
  }

  breaker<T>(url: string): T | null {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM breakers WHERE url = ?", url).toArray()[0];
    return row ? (JSON.parse(row.state) as T) : null;
  }

  saveBreaker(url: string, state: unknown): void {
    this.sql.exec("INSERT INTO breakers (url, state) VALUES (?, ?) ON CONFLICT(url) DO UPDATE SET state = excluded.state", url, JSON.stringify(state));
  }
}
