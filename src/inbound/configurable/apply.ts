/**
 * Applies one mapped item to the record store: the hook's sync keys, tried in order, find the record on the
 * target form through `record_keys` (scope `sync:<form>:<key>`, shared by every hook of the tenant, so a record
 * created by one vendor's hook is found by another's); `create` upserts, `update` needs the record, `archive`
 * soft-deletes it. records/upsertByKey links every sync key with a value to the record in the same D1 batch as
 * the change, so a record found by one key is found by its other keys next time.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../db/client";
import type { EventType, StoredRecord } from "../../db/schema";
import type { RecordAction } from "../../db/schema/inbound-hooks";
import type { CommitPorts, SQLRecordId } from "../../records/commit-change";
import { findByKeys, upsertByKey, type Decision, type Found, type KeyValue } from "../../records/upsert-by-key";
import { applyPatch, changedFields } from "../../records/diff";
import { AppError } from "../../runtime/errors";
import { syncKeyValues, type SyncKeyValue } from "./mapping";
import type { RecordFields } from "./template";

export const syncKeyScope = (form: string, key: string): string => `sync:${form}:${key}`;

export interface ApplyContext {
  tenantId: string;
  form: string;
  /** What this item does: its hook's event, or the one its preset or template decided on an `auto` hook. */
  event: RecordAction;
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

/** The item's sync keys that have a value, as record keys; at least one, else the item is invalid. */
function presentKeys(context: ApplyContext, fields: RecordFields): { present: SyncKeyValue[]; keys: KeyValue[] } {
  const present = syncKeyValues(context.syncKeys, fields);
  if (present.length === 0) {
    throw new AppError("VALIDATION_FAILED", `None of the sync keys (${context.syncKeys.join(", ")}) has a value in the mapped fields`, [
      { path: "syncKeys", message: "no sync key has a value" },
    ]);
  }
  return { present, keys: present.map((key) => ({ scope: syncKeyScope(context.form, key.name), key: key.value })) };
}

/** True when an update must find its record: the pre-check that keeps a batch from failing half-way. */
export async function recordExists(db: Database, context: ApplyContext, fields: RecordFields): Promise<boolean> {
  const { record } = await findByKeys(db, context.tenantId, context.form, presentKeys(context, fields).keys);
  return context.event === "archive" ? record !== null : record?.deletedAt === null;
}

/** What the hook's event means for the record the keys found. */
async function decide(context: ApplyContext, fields: RecordFields, present: SyncKeyValue[], { record }: Found): Promise<Decision> {
  const live = record && record.deletedAt === null ? record : null;
  if (context.event === "archive") {
    if (!record) throw notFound(context, present);
    return live ? { intent: { kind: "delete", id: live.id, type: "archive" } } : { keep: record };
  }
  if (live) return { intent: { kind: "update", id: live.id, patch: await updatePatch(context, live, fields) } };
  if (context.event === "update") throw notFound(context, present);
  return { intent: { kind: "create", data: context.lifecycle ? await context.lifecycle("create", fields) : fields } };
}

/** Writes one item; `alongside` statements (the delivery's event-id and signature memory) join the same batch. */
export async function applyItem(
  ports: CommitPorts,
  context: ApplyContext,
  fields: RecordFields,
  alongside: (recordId: SQLRecordId) => BatchItem<"sqlite">[] = () => [],
): Promise<ItemChange> {
  const { present, keys } = presentKeys(context, fields);
  const change = await upsertByKey(ports, {
    tenantId: context.tenantId,
    form: context.form,
    source: context.source,
    now: context.now,
    keys,
    decide: (found) => decide(context, fields, present, found),
    alongside,
    // A delivery that changes nothing still links its keys and remembers its event id.
    linkWhenUnchanged: true,
  });
  return {
    form: change.record.form,
    recordId: change.record.id,
    event: change.event?.type ?? null,
    eventSeq: change.event?.seq ?? null,
    syncKey: present[change.matchedBy]!,
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

const notFound = (context: ApplyContext, present: SyncKeyValue[]) =>
  new AppError(
    "RECORD_NOT_FOUND",
    `No ${context.form} record matches the sync keys (${present.map((key) => `${key.name}=${key.value}`).join(", ")}) for '${context.event}'`,
  );
