/**
 * The record store: every write to a record and the event it appends happen in ONE D1 batch (D1's only
 * atomic unit), so a committed change always has its event and a failed one has neither. This module is the
 * single place that touches records and events (DESIGN.md "Scale-out path").
 */
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { events, records, type EventType, type RecordData, type StoredRecord } from "../db/schema";
import { applyPatch, changedFields } from "./diff";
import { recordIdFormat, recordSequenceName } from "./record-ids";
import { bumpSequence, sequenceIdExpression } from "./sequences";
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
  now?: number;
}

/** Extra statements a caller commits atomically with the change (e.g. an external-key or idempotency row). */
export type ExtraStatements = (recordId: SQLRecordId) => BatchItem<"sqlite">[];
/** The new record's id as SQL, usable inside the same batch before its value is known to JS. */
export type SQLRecordId = ReturnType<typeof sql>;

const MAX_WRITE_ATTEMPTS = 3;

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
    bumpSequence(db, tenantId, recordSequenceName(form)),
    db.insert(records).values({ tenantId, form, id: newId, data, version: 1, createdAt: now, updatedAt: now }).returning(),
    db
      .insert(events)
      .values({
        tenantId,
        form,
        recordId: newId,
        type: context.type ?? "create",
        changedFields: Object.keys(data).sort(),
        data,
        version: 1,
        source: context.source,
        createdAt: now,
      })
      .returning({ seq: events.seq, changedFields: events.changedFields }),
    ...extra(newId),
  ]);
  const record = inserted[0]!;
  const event = appended[0]!;
  return { record, event: { seq: event.seq, type: context.type ?? "create", changedFields: event.changedFields } };
}

export async function findRecord(db: Database, tenantId: string, form: string, id: string): Promise<StoredRecord | null> {
  const row = await db
    .select()
    .from(records)
    .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id)))
    .get();
  return row ?? null;
}

/**
 * Writes a new version of a live record and appends its event, if anything changed. The update is guarded by
 * the version read, and the event insert by SQLite's changes(), so a concurrent writer makes this attempt a
 * no-op (no event) and it is retried against the fresh version.
 */
async function writeVersion(
  db: Database,
  context: WriteContext & { id: string; type: EventType },
  next: (current: StoredRecord) => { data: RecordData; deleted: boolean },
  extra: ExtraStatements,
): Promise<RecordChange> {
  const { tenantId, form, id } = context;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await findRecord(db, tenantId, form, id);
    if (!current || current.deletedAt !== null) throw new AppError("NOT_FOUND", `No ${form} record '${id}'`);
    const now = context.now ?? Date.now();
    const { data, deleted } = next(current);
    const changed = changedFields(current.data, data);
    if (changed.length === 0 && !deleted) return { record: current, event: null };
    const version = current.version + 1;
    const [updated, appended] = await db.batch([
      db
        .update(records)
        .set({ data, version, updatedAt: now, deletedAt: deleted ? now : null })
        .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id), eq(records.version, current.version)))
        .returning(),
      // The event is copied from the row just written, and only if that UPDATE changed it (changes() = 1).
      db
        .insert(events)
        .select(
          db
            .select({
              // Columns in table order, as drizzle's INSERT ... SELECT requires; NULL lets SQLite assign seq.
              seq: sql<number>`NULL`.as("seq"),
              tenantId: records.tenantId,
              form: records.form,
              recordId: records.id,
              type: sql`${context.type}`.as("type"),
              changedFields: sql`${JSON.stringify(changed)}`.as("changed_fields"),
              data: records.data,
              version: records.version,
              source: sql`${context.source}`.as("source"),
              createdAt: records.updatedAt,
            })
            .from(records)
            .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id), sql`changes() = 1`)),
        )
        .returning({ seq: events.seq }),
      ...extra(sql`${id}`),
    ]);
    const record = updated[0];
    const event = appended[0];
    if (record && event) return { record, event: { seq: event.seq, type: context.type, changedFields: changed } };
  }
  throw new AppError("CONFLICT", `${form} record '${id}' is being changed concurrently; retry`);
}

export function updateRecord(
  db: Database,
  context: WriteContext & { id: string; patch: RecordData; type?: "update" | "merge" },
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

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function listRecords(
  db: Database,
  tenantId: string,
  form: string,
  options: { limit: number; after?: string; offset?: number; includeDeleted?: boolean },
): Promise<Page<StoredRecord>> {
  const rows = await db
    .select()
    .from(records)
    .where(
      and(
        eq(records.tenantId, tenantId),
        eq(records.form, form),
        options.after === undefined ? undefined : gt(records.id, options.after),
        options.includeDeleted ? undefined : isNull(records.deletedAt),
      ),
    )
    .orderBy(asc(records.id))
    .limit(options.limit + 1)
    .offset(options.offset ?? 0)
    .all();
  const items = rows.slice(0, options.limit);
  return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.id : null };
}

export async function listEvents(db: Database, tenantId: string, options: { after: number; limit: number }) {
  return db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), gt(events.seq, options.after)))
    .orderBy(asc(events.seq))
    .limit(options.limit)
    .all();
}
