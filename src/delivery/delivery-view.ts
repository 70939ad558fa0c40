/** How deliveries, streams and test attempts look in the tenant API. Pure mapping from the DO's rows. */
import type { DeliveryRow } from "./delivery-tables";

export interface DeliveryView {
  id: string;
  position: number;
  subscriptionId: string;
  stream: string;
  eventSeq: number;
  status: string;
  blocking: boolean;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  replayOf: string | null;
  createdAt: string;
  updatedAt: string;
}

export const toDeliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  position: row.position,
  subscriptionId: row.subscription_id,
  stream: row.stream_key,
  eventSeq: row.event_seq,
  status: row.blocking === 1 ? "blocked" : row.status,
  blocking: row.blocking === 1,
  attempts: row.attempts,
  nextAttemptAt: row.status === "pending" ? new Date(row.next_attempt_at).toISOString() : null,
  lastStatus: row.last_status,
  lastError: row.last_error,
  replayOf: row.replay_of,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

export interface StreamView {
  stream: string;
  subscriptionId: string;
  pending: number;
  headEventSeq: number | null;
  headDeliveryId: string | null;
  /** When the stream's head (its oldest open delivery) was created; null when nothing is open. */
  headCreatedAt: string | null;
  nextAttemptAt: string | null;
  blocked: boolean;
  deadLetters: number;
  /** Held deliveries dead-lettered because their disabled subscription held more than the cap (held-cap.ts). */
  droppedOverCap: number;
  breaker: string;
  deliveredSeq: number | null;
  /** Newest event seq of the tenant minus the last seq this stream finished. */
  lag: number;
  /** Its subscription's rate limit, callbacks a second (the lifecycle hooks' for theirs); null = unlimited. */
  rateLimitPerSecond: number | null;
  /** Its head is due but waits for its rate limit's next token. */
  throttled: boolean;
}

export interface TestAttempt {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}
