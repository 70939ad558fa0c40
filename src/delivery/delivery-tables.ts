/**
 * The tables of the TenantDelivery object's own SQLite (created when the object starts) and the row types read
 * from them: its cursor into the events outbox, its deliveries (one per subscription and event, plus replays),
 * the circuit breaker of each callback URL, each subscription's failing streak, and what it remembers of its tenant.
 */

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

/** A delivery without its body: what scheduling reads, so planning never loads the bytes (see bodyOf()). */
export type HeadRow = Omit<DeliveryRow, "body">;

export const HEAD_COLUMNS =
  "position, id, subscription_id, stream_key, event_seq, content_type, url, status, blocking, attempts, next_attempt_at, last_status, last_error, replay_of, stream_order, created_at, updated_at";

export const SCHEMA = [
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
  // Erasure closes every delivery of an event (erased-events.ts) by a seek.
  "CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_seq)",
  // Counting a delivery's replays (replay()) is a seek, not a scan per replay of a bulk replay.
  "CREATE INDEX IF NOT EXISTS deliveries_replay_of ON deliveries (replay_of) WHERE replay_of IS NOT NULL",
  // The delivery list filtered by subscription or by status, in position order (list()).
  "CREATE INDEX IF NOT EXISTS deliveries_subscription ON deliveries (subscription_id, position)",
  "CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, position)",
  // Stream summaries (streamSummaries()) read this index in stream order, never the rows and their bodies.
  "CREATE INDEX IF NOT EXISTS deliveries_stream_summary ON deliveries (stream_key, subscription_id, status, blocking, event_seq)",
  "CREATE TABLE IF NOT EXISTS breakers (url TEXT PRIMARY KEY, state TEXT NOT NULL)",
  // Per stream, how many held deliveries the cap dropped (held-cap.ts).
  "CREATE TABLE IF NOT EXISTS held_overflow (stream_key TEXT PRIMARY KEY, dropped INTEGER NOT NULL)",
  // The seqs of erased records' events (erased-events.ts).
  "CREATE TABLE IF NOT EXISTS erased_events (event_seq INTEGER PRIMARY KEY)",
  // Per subscription, when its callbacks started failing without a success since (failing-streaks.ts).
  "CREATE TABLE IF NOT EXISTS failing_streaks (subscription_id TEXT PRIMARY KEY, since INTEGER NOT NULL, saved_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/** A delivery id: stable across retries, sent as `webhook-id` so receivers can drop duplicates. */
export const deliveryId = (eventSeq: number, subscriptionId: string, replay?: number): string =>
  `msg_${eventSeq}_${subscriptionId}${replay === undefined ? "" : `_r${replay}`}`;
