/**
 * commitUserEvent(): appends an event that happens TO a live record without changing its values (a user's
 * password change, an application provisioned), in the record's commit order. Like every write of records/,
 * one D1 batch: the event, guarded by the version it read (a concurrent change makes it retry against the
 * fresh record, so the event's user is the one its seq follows), and the rows that belong to it (`alongside`,
 * which may carry guards of their own: a failed one rolls the batch back and the attempt is prepared again).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { records, type RecordData, type StoredRecord, type UserEventType } from "../db/schema";
import { AppError } from "../runtime/errors";
import type { CommitPorts } from "./commit-change";
import { abortUnlessOneRowChanged, isStaleVersion } from "./record-writes";
import { appendEventFromRecord } from "./event-append";
import { bumpSequence, EVENT_SEQUENCE } from "./sequences";
import { findRecord } from "./store";
import { resolveFormName } from "./form-names";

export { abortUnlessOneRowChanged };

/** What the event says, prepared from the record as it is now; may throw to refuse (read again on every attempt). */
export interface PreparedUserEvent {
  data: RecordData;
  changedFields?: string[];
  alongside?: BatchItem<"sqlite">[];
}

export interface UserEvent {
  tenantId: string;
  form: string;
  id: string;
  type: UserEventType;
  source: string;
  prepare: (record: StoredRecord) => Promise<PreparedUserEvent> | PreparedUserEvent;
  now?: number;
}

const MAX_ATTEMPTS = 20;

/** The record the event is about: 404 NOT_FOUND when there is none, 409 RECORD_ARCHIVED when it is archived or deleted. */
export async function liveRecordFor(db: CommitPorts["db"], tenantId: string, form: string, id: string): Promise<StoredRecord> {
  const record = await findRecord(db, tenantId, form, id);
  if (!record) throw new AppError("NOT_FOUND", `No ${form} record '${id}'`);
  if (record.deletedAt !== null) throw new AppError("RECORD_ARCHIVED", `${form} record '${id}' is archived`);
  return record;
}

/** Commits the event and wakes the tenant's delivery; returns the event's seq. */
export async function commitUserEvent(ports: CommitPorts, event: UserEvent): Promise<number> {
  const { db } = ports;
  const { tenantId, id } = event;
  const form = await resolveFormName(db, tenantId, event.form);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Racing writers spread out: a random pause in [0, 2 × attempt) ms, at most 40.
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(40, attempt * 2)));
    const current = await liveRecordFor(db, tenantId, form, id);
    const prepared = await event.prepare(current);
    const now = event.now ?? Date.now();
    const live = and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id), eq(records.version, current.version), isNull(records.deletedAt));
    const batch = db.batch([
      bumpSequence(db, tenantId, EVENT_SEQUENCE),
      appendEventFromRecord(db, tenantId, { type: event.type, changedFields: prepared.changedFields ?? [], data: prepared.data, source: event.source, createdAt: now }, live),
      // The rest commits only if the event was appended: the record was still live, at the version read.
      abortUnlessOneRowChanged(db),
      ...(prepared.alongside ?? []),
    ]);
    const committed = await batch.catch((error: unknown) => {
      if (isStaleVersion(error)) return null;
      throw error;
    });
    if (!committed) continue;
    const appended = committed[1][0];
    if (appended) {
      ports.wakeDelivery(tenantId, form);
      return appended.seq;
    }
    throw new Error(`The event of ${form} record '${id}' passed its guard but returned no row`);
  }
  throw new AppError("CONFLICT", `${form} record '${id}' is being changed concurrently; retry`);
}
