/**
 * Applies one mapped item to the record store: the hook's sync keys, tried in order, find the record on the
 * target form through `record_keys` (scope `sync:<form>:<key>`, shared by every hook of the tenant, so a record
 * created by one vendor's hook is found by another's); `create` upserts, `update` needs the record, `archive`
 * soft-deletes it. Every sync key with a value is linked to the record in the same D1 batch as the change, so a
 * record found by one key is found by its other keys next time.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../db/client";
import { recordKeys, type EventType, type StoredRecord } from "../../db/schema";
import type { InboundHookEvent } from "../../db/schema/inbound-hooks";
import { createRecord, deleteRecord, updateRecord, type RecordChange, type SQLRecordId } from "../../records/store";
import { findRecordByKey, linkRecordKey } from "../../records/record-keys";
import { applyPatch, changedFields } from "../../records/diff";
import { AppError } from "../../runtime/errors";
import { syncKeyValues, type SyncKeyValue } from "./mapping";
import type { RecordFields } from "./template";

export const syncKeyScope = (form: string, key: string): string => `sync:${form}:${key}`;

export interface ApplyContext {
  tenantId: string;
  form: string;
  event: InboundHookEvent;
  syncKeys: readonly string[];
  source: string;
  now: number;
  /** The tenant's synchronous lifecycle hooks: the user to store, or a throw that stops the change. */
  lifecycle?: (action: "create" | "update", user: RecordFields) => Promise<RecordFields>;
}

export interface ItemChange {
  form: string;
  recordId: string;
  /** The event appended, or null when the item changed nothing. */
  event: EventType | null;
  eventSeq: number | null;
  /** The sync key that found the record, or the first one with a value when the record is new. */
  syncKey: SyncKeyValue;
}

interface Target {
  present: SyncKeyValue[];
  /** What each present key's link points to now (null: no link). */
  links: Map<string, StoredRecord | null>;
  record: StoredRecord | null;
  matchedBy: SyncKeyValue;
}

async function findTarget(db: Database, context: ApplyContext, fields: RecordFields): Promise<Target> {
  const present = syncKeyValues(context.syncKeys, fields);
  if (present.length === 0) {
    throw new AppError("VALIDATION_FAILED", `None of the sync keys (${context.syncKeys.join(", ")}) has a value in the mapped fields`, [
      { path: "syncKeys", message: "no sync key has a value" },
    ]);
  }
  const links = new Map<string, StoredRecord | null>();
  for (const key of present) {
    const found = await findRecordByKey(db, { tenantId: context.tenantId, scope: syncKeyScope(context.form, key.name), key: key.value });
    links.set(key.name, found && found.form === context.form ? found : null);
  }
  const candidates = present.map((key) => ({ key, record: links.get(key.name) ?? null })).filter((entry) => entry.record !== null);
  // A live record wins over an archived one found by an earlier key.
  const chosen = candidates.find((entry) => entry.record!.deletedAt === null) ?? candidates[0];
  return { present, links, record: chosen?.record ?? null, matchedBy: chosen?.key ?? present[0]! };
}

/** True when an update must find its record: the pre-check that keeps a batch from failing half-way. */
export async function recordExists(db: Database, context: ApplyContext, fields: RecordFields): Promise<boolean> {
  const target = await findTarget(db, context, fields);
  return context.event === "archive" ? target.record !== null : target.record?.deletedAt === null;
}

function linkStatements(db: Database, context: ApplyContext, target: Target, recordId: SQLRecordId, knownId: string | null): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  for (const key of target.present) {
    const recordKey = { tenantId: context.tenantId, scope: syncKeyScope(context.form, key.name), key: key.value };
    const linked = target.links.get(key.name) ?? null;
    if (linked === null) {
      // A plain insert: a concurrent first delivery for the same key makes this batch fail instead of duplicating.
      statements.push(linkRecordKey(db, recordKey, context.form, recordId, context.now));
    } else if (linked.id !== knownId) {
      statements.push(
        db
          .update(recordKeys)
          .set({ form: context.form, recordId })
          .where(and(eq(recordKeys.tenantId, recordKey.tenantId), eq(recordKeys.scope, recordKey.scope), eq(recordKeys.key, recordKey.key))),
      );
    }
  }
  return statements;
}

/** Writes one item; `extra` statements (the event-id memory) join the same batch. */
export async function applyItem(
  db: Database,
  context: ApplyContext,
  fields: RecordFields,
  extra: (db: Database) => BatchItem<"sqlite">[] = () => [],
): Promise<ItemChange> {
  const target = await findTarget(db, context, fields);
  const live = target.record && target.record.deletedAt === null ? target.record : null;
  const write = { tenantId: context.tenantId, form: context.form, source: context.source, now: context.now };
  const statements = (knownId: string | null) => (recordId: SQLRecordId) => [
    ...linkStatements(db, context, target, recordId, knownId),
    ...extra(db),
  ];

  let change: RecordChange;
  if (context.event === "archive") {
    if (!target.record) throw notFound(context, target);
    if (!live) change = { record: target.record, event: null };
    else change = await deleteRecord(db, { ...write, id: live.id, type: "archive" }, statements(live.id));
  } else if (live) {
    change = await updateRecord(db, { ...write, id: live.id, patch: await updatePatch(context, live, fields) }, statements(live.id));
  } else if (context.event === "update") {
    throw notFound(context, target);
  } else {
    const data = context.lifecycle ? await context.lifecycle("create", fields) : fields;
    change = await createRecord(db, { ...write, data }, statements(null));
  }

  if (change.event === null) {
    // The store skips its batch when nothing changed; the links and the event id are still written.
    const pending = statements(change.record.id)(sql`${change.record.id}`);
    if (pending.length > 0) await db.batch(pending as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
  return {
    form: change.record.form,
    recordId: change.record.id,
    event: change.event?.type ?? null,
    eventSeq: change.event?.seq ?? null,
    syncKey: target.matchedBy,
  };
}

/** The patch to write: the mapped fields, or, when the tenant's hooks see the user as it will be, what they return. */
async function updatePatch(context: ApplyContext, current: StoredRecord, fields: RecordFields): Promise<RecordFields> {
  const after = applyPatch(current.data, fields);
  if (!context.lifecycle || changedFields(current.data, after).length === 0) return fields;
  const user = await context.lifecycle("update", after);
  const removed = Object.fromEntries(Object.keys(current.data).filter((field) => !(field in user)).map((field) => [field, null]));
  return { ...removed, ...user };
}

const notFound = (context: ApplyContext, target: Target) =>
  new AppError(
    "RECORD_NOT_FOUND",
    `No ${context.form} record matches the sync keys (${target.present.map((key) => `${key.name}=${key.value}`).join(", ")}) for '${context.event}'`,
  );
