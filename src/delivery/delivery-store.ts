/**
 * The TenantDelivery object's own SQLite: its cursor into the events outbox, the deliveries it fanned out
 * (one per subscription and event, plus replays), and the circuit breaker of each callback URL.
 * A delivery's `position` orders it within its stream; only the head of a stream is ever sent.
 */
import type { PlannedDelivery } from "./fan-out";
import { runtimeTimers, type Timers } from "./time";

export const deliveryStatuses = ["pending", "inflight", "delivered", "dead", "skipped"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

// A type alias (not an interface) so it satisfies SqlStorage's row constraint.
export type DeliveryRow = {
  position: number;
  id: string;
  subscription_id: string;
  stream_key: string;
  event_seq: number;
  body: string;
  content_type: string;
  /** The target URL when it is not the subscription's callback URL (lifecycle hooks); null otherwise. */
  url: string | null;
  status: DeliveryStatus;
  /** 1 while a dead-lettered delivery holds its stream (dead-letter policy `block`). */
  blocking: number;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  replay_of: string | null;
  stream_order: number | null;
  created_at: number;
  updated_at: number;
};

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS deliveries (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL,
    stream_key TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    content_type TEXT NOT NULL,
    status TEXT NOT NULL,
    blocking INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    replay_of TEXT,
    -- Where the delivery stands in its stream when not simply by position: a replay of a blocked head takes its place.
    stream_order INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The target when it is not the subscription's callback URL (lifecycle hooks).
    url TEXT
  )`,
  // Fan-out is idempotent: one original delivery per (subscription, event), however often a pump repeats.
  "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_fan_out ON deliveries (subscription_id, event_seq) WHERE replay_of IS NULL",
  "CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (stream_key, position) WHERE status IN ('pending', 'inflight') OR blocking = 1",
  // A stream's head in stream order, by an index seek rather than a sort of all its open work (streamHead()).
  "CREATE INDEX IF NOT EXISTS deliveries_open_order ON deliveries (stream_key, COALESCE(stream_order, position), position) WHERE status IN ('pending', 'inflight') OR blocking = 1",
  // A subscription's open work, counted before its ordering may change (openDeliveries()).
  "CREATE INDEX IF NOT EXISTS deliveries_open_subscription ON deliveries (subscription_id) WHERE status IN ('pending', 'inflight') OR blocking = 1",
  // Counting a delivery's replays (replay()) is a seek, not a scan per replay of a bulk replay.
  "CREATE INDEX IF NOT EXISTS deliveries_replay_of ON deliveries (replay_of) WHERE replay_of IS NOT NULL",
  // The delivery list filtered by subscription or by status, in position order (list()).
  "CREATE INDEX IF NOT EXISTS deliveries_subscription ON deliveries (subscription_id, position)",
  "CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, position)",
  // Stream summaries (streamSummaries()) read this index in stream order, never the rows and their bodies.
  "CREATE INDEX IF NOT EXISTS deliveries_stream_summary ON deliveries (stream_key, subscription_id, status, blocking, event_seq)",
  "CREATE TABLE IF NOT EXISTS breakers (url TEXT PRIMARY KEY, state TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/** A delivery id: stable across retries, sent as `webhook-id` so receivers can drop duplicates. */
export const deliveryId = (eventSeq: number, subscriptionId: string, replay?: number): string =>
  `msg_${eventSeq}_${subscriptionId}${replay === undefined ? "" : `_r${replay}`}`;

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
   * write the same deliveries, and the later page wins); the caller wraps it in one transaction.
   */
  addFanOut(planned: readonly PlannedDelivery[], cursor: number, now: number): void {
    for (const delivery of planned) {
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
  }

  /**
   * The head (first in stream order) of every stream that still has work or is blocked, one index seek per
   * stream (the first open delivery in index order past the previous stream's key), rather than ranking every
   * open delivery, bodies and all, when a backlog is deep.
   */
  streamHeads(): DeliveryRow[] {
    const heads: DeliveryRow[] = [];
    for (let head = this.nextStreamHead(null); head; head = this.nextStreamHead(head.stream_key)) heads.push(head);
    return heads;
  }

  private nextStreamHead(after: string | null): DeliveryRow | null {
    const open = "(status IN ('pending', 'inflight') OR blocking = 1)";
    const order = "ORDER BY stream_key, COALESCE(stream_order, position), position LIMIT 1";
    const rows =
      after === null
        ? this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE ${open} ${order}`)
        : this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE stream_key > ? AND ${open} ${order}`, after);
    return rows.toArray()[0] ?? null;
  }

  /** The head of one stream (as streamHeads() would give it), or null when the stream has no open work. */
  streamHead(streamKey: string): DeliveryRow | null {
    return (
      this.sql
        .exec<DeliveryRow>(
          `SELECT * FROM deliveries WHERE stream_key = ? AND (status IN ('pending', 'inflight') OR blocking = 1)
           ORDER BY COALESCE(stream_order, position), position LIMIT 1`,
          streamKey,
        )
        .toArray()[0] ?? null
    );
  }

  /** The first `limit` open deliveries of one stream in stream order: its head (as streamHead() gives it) and those behind it. */
  streamAhead(streamKey: string, limit: number): DeliveryRow[] {
    return this.sql
      .exec<DeliveryRow>(
        `SELECT * FROM deliveries WHERE stream_key = ? AND (status IN ('pending', 'inflight') OR blocking = 1)
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

  /** How many of a subscription's deliveries are open: pending, in flight, or a dead letter blocking its stream. */
  openDeliveries(subscriptionId: string): number {
    return this.sql
      .exec<{ open: number }>(
        "SELECT COUNT(*) AS open FROM deliveries WHERE subscription_id = ? AND (status IN ('pending', 'inflight') OR blocking = 1)",
        subscriptionId,
      )
      .one().open;
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

  breaker<T>(url: string): T | null {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM breakers WHERE url = ?", url).toArray()[0];
    return row ? (JSON.parse(row.state) as T) : null;
  }

  saveBreaker(url: string, state: unknown): void {
    this.sql.exec("INSERT INTO breakers (url, state) VALUES (?, ?) ON CONFLICT(url) DO UPDATE SET state = excluded.state", url, JSON.stringify(state));
  }
}
