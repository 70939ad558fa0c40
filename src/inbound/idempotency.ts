/**
 * `Idempotency-Key` for inbound webhooks (24 h window): the first request's record is remembered with a hash
 * of its body; the same key and body again replays that record (`Idempotent-Replayed: true`, nothing new
 * stored); the same key with another body is a 409 CONFLICT. An HMAC-signed hook delivery is remembered the
 * same way under its signature, so an exact resend is a replay too.
 */
import { and, eq, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { deleteOldest, type PruneBatch } from "../db/prune";
import { AppError } from "../runtime/errors";
import { sha256Hex } from "../runtime/crypto";
import type { SQLRecordId } from "../records/commit-change";

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyRequest {
  tenantId: string;
  scope: string;
  key: string;
  requestHash: string;
}

/** The request's idempotency identity, or null when it sent no Idempotency-Key header. */
export async function idempotencyRequest(
  header: string | undefined,
  tenantId: string,
  scope: string,
  rawBody: string,
): Promise<IdempotencyRequest | null> {
  if (header === undefined) return null;
  if (!KEY_PATTERN.test(header)) {
    throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1-255 visible ASCII characters", [
      { path: "Idempotency-Key", message: "invalid header value" },
    ]);
  }
  return { tenantId, scope, key: header, requestHash: await sha256Hex(rawBody) };
}

/**
 * The idempotency identity of an HMAC-verified hook delivery: its signature as verified (visible ASCII, at
 * most 128 characters: SHA-512 in hex) in scope `signature:<hookId>`.
 */
export async function signatureIdempotency(tenantId: string, hookId: string, signature: string, rawBody: string): Promise<IdempotencyRequest> {
  return { tenantId, scope: `signature:${hookId}`, key: signature, requestHash: await sha256Hex(rawBody) };
}

/** The record a live key already created, or null; a live key with another body is a conflict. */
export async function findIdempotentRecord(
  db: Database,
  request: IdempotencyRequest,
  now = Date.now(),
): Promise<{ form: string; recordId: string } | null> {
  const row = await db
    .select()
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.tenantId, request.tenantId),
        eq(idempotencyKeys.scope, request.scope),
        eq(idempotencyKeys.key, request.key),
      ),
    )
    .get();
  if (!row || now - row.createdAt > IDEMPOTENCY_WINDOW_MS) return null;
  if (row.requestHash !== request.requestHash) {
    throw new AppError("CONFLICT", "This Idempotency-Key was already used with a different request body");
  }
  return { form: row.form, recordId: row.recordId };
}

/**
 * Statements for the record's batch: drop an expired row for the key, then insert. A concurrent request
 * holding the same live key makes the insert (and so its whole batch) fail, instead of a second record.
 */
export const rememberIdempotencyKey = (db: Database, request: IdempotencyRequest, form: string, recordId: SQLRecordId, now = Date.now()) =>
  [
    db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.tenantId, request.tenantId),
          eq(idempotencyKeys.scope, request.scope),
          eq(idempotencyKeys.key, request.key),
          lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_WINDOW_MS),
        ),
      ),
    db.insert(idempotencyKeys).values({ ...request, form, recordId, createdAt: now }),
  ] as const;

/** Deletes up to `limit` idempotency keys older than `before` (retention): a retry after that is a new request. */
export function pruneIdempotencyKeys(db: Database, batch: PruneBatch): Promise<number> {
  return deleteOldest(db, idempotencyKeys, { tenant: idempotencyKeys.tenantId, time: idempotencyKeys.createdAt }, batch);
}
