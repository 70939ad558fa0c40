/**
 * Record writes: every write to a record and the event it appends happen in ONE D1 batch (D1's only atomic
 * unit), so a committed change always has its event and a failed one has neither. An update is guarded by
 * the version it read; every other statement of the change (keys, vendor event ids, idempotency rows, the
 * request's log row) sits behind a commit guard in the same batch, so when a concurrent writer wins, the
 * whole batch rolls back and the change is retried against the fresh version: nothing of a lost attempt is
 * left behind. Only commit-change.ts calls these.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { commitGuard, events, records, type EventType, type RecordData, type StoredRecord } from "../db/schema";
import { applyPatch, changedFields, previousValues } from "./diff";
import { recordIdFormat, recordSequenceName } from "./record-ids";
import { appendEventFromRecord } from "./event-append";
import { bumpSequence, EVENT_SEQUENCE, eventSeqExpression, sequenceIdExpression } from "./sequences";
import { findRecord } from "./store";
import { AppError } from "../runtime/errors";

export interface CommittedEvent {
  seq: number;
  type: EventType;
  changedFields: string[];
}

export interface RecordChange {
  record: StoredRecord;
  /** Null when the write changed nothing (no event appended). */
  event: CommittedEvent | null;
}

interface WriteContext {
  tenantId: string;
  form: string;
  source: string;
  /** Who made the change, stored on its event. */
  actor?: string | null;
  now?: number;
}

/** Extra statements a caller commits atomically with the change (e.g. an external-key or idempotency row). */
export type ExtraStatements = (recordId: SQLRecordId) => BatchItem<"sqlite">[];
/** The new record's id as SQL, usable inside the same batch before its value is known to JS. */
export type SQLRecordId = ReturnType<typeof sql>;

/**
 * Attempts of one update before it gives up with CONFLICT. Each lost attempt means another writer committed
 * (optimistic concurrency always lets one through), so N writers racing for one record all finish within N
 * attempts; the bound only stops a record that is written without pause from holding a request forever.
 */
const MAX_WRITE_ATTEMPTS = 40;
/** The pause before attempt n is random in [0, n × this), at most MAX_BACKOFF_MS, so racing writers spread out. */
const BACKOFF_STEP_MS = 2;
const MAX_BACKOFF_MS = 40;

/**
 * The statement that aborts its batch unless the statement before it changed exactly one row: it inserts
 * into `commit_guard` (always empty) a value its CHECK refuses. See db/schema/commit-guard.ts.
 */
export const abortUnlessOneRowChanged = (db: Database) => db.run(sql`INSERT INTO ${commitGuard} (changed) SELECT changes() WHERE changes() <> 1`);

/** True when D1 rolled a batch back because its version-guarded UPDATE matched no row (a concurrent writer won). */
export const isStaleVersion = (error: unknown): boolean =>
  error instanceof Error && /stale_record_version/.test(`${error.message} ${String(error.cause ?? "")}`);

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, attempt * BACKOFF_STEP_MS)));

function nextIdExpression(tenantId: string, form: string) {
  const { prefix, digits } = recordIdFormat(form);
  return sequenceIdExpression(tenantId, recordSequenceName(form), prefix, digits);
}

export async function createRecord(
  db: Database,
  context: WriteContext & { data: RecordData; type?: "create" | "merge" },
  extra: ExtraStatements = () => [],
): Promise<RecordChange> {
  const now = context.now ?? Date.now();
  const { tenantId, form, data } = context;
  const newId = nextIdExpression(tenantId, form);
  const [, inserted, appended] = await db.batch([
    // The record id's sequence and the event's, in one statement.
    bumpSequence(db, tenantId, recordSequenceName(form), EVENT_SEQUENCE),
    db.insert(records).values({ tenantId, form, id: newId, data, version: 1, createdAt: now, updatedAt: now }).returning(),
    db
      .insert(events)
      .values({
        seq: eventSeqExpression(tenantId),
        tenantId,
        form,
        recordId: newId,
        type: context.type ?? "create",
        changedFields: Object.keys(data).sort(),
        data,
        version: 1,
        source: context.source,
        actor: context.actor ?? null,
        createdAt: now,
      })
      .returning({ seq: events.seq, changedFields: events.changedFields }),
    ...extra(newId),
  ]);
  const record = inserted[0]!;
  const event = appended[0]!;
  return { record, event: { seq: event.seq, type: context.type ?? "create", changedFields: event.changedFields } };
}

/**
 * Writes a new version of a live record and appends its event, if anything changed. The update is guarded by
 * the version read, and the event insert by SQLite's changes(), so a concurrent writer makes this attempt a
 * no-op (no event) and it is retried against the fresh version.
 */
async function writeVersion(
  db: Database,
  context: WriteContext & { id: string; type: EventType; alsoChanged?: readonly string[] },
  next: (current: StoredRecord) => { data: RecordData; deleted: boolean },
  extra: ExtraStatements,
): Promise<RecordChange> {
  const { tenantId, form, id } = context;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await findRecord(db, tenantId, form, id);
    if (!current || current.deletedAt !== null) throw new AppError("NOT_FOUND", `No ${form} record '${id}'`);
    const now = context.now ?? Date.now();
    const { data, deleted } = next(current);
    // A field can change while its value compares equal: an attachment uploaded again with the same name and size.
    const changed = [...new Set([...changedFields(current.data, data), ...(context.alsoChanged ?? []).filter((field) => field in data)])].sort();
    if (changed.length === 0 && !deleted) return { record: current, event: null };
    const version = current.version + 1;
    if (attempt > 1) await pause(attempt);
    const batch = db.batch([
      // Bumped first, so changes() below still reads the UPDATE's; a lost race rolls the bump back with the rest.
      bumpSequence(db, tenantId, EVENT_SEQUENCE),
      db
        .update(records)
        .set({ data, version, updatedAt: now, deletedAt: deleted ? now : null })
        .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id), eq(records.version, current.version)))
        .returning(),
      // The event is copied from the row just written, and only if that UPDATE changed it (changes() = 1).
      appendEventFromRecord(
        db,
        tenantId,
        { type: context.type, changedFields: changed, source: context.source, actor: context.actor ?? null, previous: previousValues(current.data, changed) },
        and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id), sql`changes() = 1`),
      ),
      // Everything after this commits only if the event above was appended, i.e. the version matched.
      abortUnlessOneRowChanged(db),
      ...extra(sql`${id}`),
    ]);
    const committed = await batch.catch((error: unknown) => {
      if (isStaleVersion(error)) return null;
      throw error;
    });
    if (!committed) continue;
    const record = committed[1][0];
    const event = committed[2][0];
    if (record && event) return { record, event: { seq: event.seq, type: context.type, changedFields: changed } };
    throw new Error(`The commit of ${form} record '${id}' passed its guard but returned no row`);
  }
  throw new AppError("CONFLICT", `${form} record '${id}' is being changed concurrently; retry`);
}

export function updateRecord(
  db: Database,
  context: WriteContext & { id: string; patch: RecordData; type?: "update" | "merge"; alsoChanged?: readonly string[] },
  extra: ExtraStatements = () => [],
): Promise<RecordChange> {
  return writeVersion(
    db,
    { ...context, type: context.type ?? "update" },
    (current) => ({ data: applyPatch(current.data, context.patch), deleted: false }),
    extra,
  );
}

/** Soft delete: the record is kept for audit with deleted_at set; the event carries its last values. */
export function deleteRecord(
  db: Database,
  context: WriteContext & { id: string; type?: "delete" | "archive" },
  extra: ExtraStatements = () => [],
): Promise<RecordChange> {
  return writeVersion(
    db,
    { ...context, type: context.type ?? "delete" },
    (current) => ({ data: current.data, deleted: true }),
    extra,
  );
}

