/**
 * Erasure of one record (GDPR's right to erasure). One D1 batch removes the record and its vendor key links
 * and turns each of its events into a tombstone: the event keeps its seq, form, record id, type and time, so
 * the feed's order and every cursor into it stay intact, but no field values (data {}, changedFields []).
 * Then the delivery engine, through the port the caller passes, skips the record's open deliveries and drops
 * the bodies and response excerpts it kept of them. A concurrent update of the record loses: its
 * version-guarded write finds no row (record-writes.ts) and answers 404.
 *
 * Erasing again is safe and finishes what an interrupted erasure left (the engine's part): a record that is gone
 * but has tombstones counts as erased, not unknown. Idempotency keys that named the record are kept (they hold
 * no values); a retried ticket create with such a key is refused (inbound/optimalcloud/create-ticket.ts).
 *
 * Attachment bytes go too: the objects the record's uploads name are deleted from the bucket before the batch
 * (a failure there fails the erasure, which can simply be run again), and the batch removes their rows; an
 * object whose row a racing write added after that first read is deleted from what the batch returns.
 *
 * What other modules keep beside the record goes with it, through `alongside` (records/ knows none of them):
 * lifecycle/ deletes a User's provisionings in the same batch, and the sealed passwords of its password changes.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { events, recordKeys, records, type EventType, type RecordData } from "../db/schema";
import { AppError } from "../runtime/errors";
import { deleteObjects, deleteRecordUploadRows, recordObjectKeys, type AttachmentBucket } from "./attachment-store";

export interface ErasurePorts {
  db: Database;
  /** Closes what the tenant's delivery engine holds of these events (delivery's eraseDeliveries middleware). */
  eraseDeliveries: (tenantId: string, eventSeqs: number[]) => Promise<void>;
  /** Where the record's attachment bytes are kept (the ATTACHMENTS bucket). */
  attachments: AttachmentBucket;
  /** What another module keeps beside the record, erased with it; null when it keeps nothing of this one. */
  alongside: (db: Database, erasure: Erasure) => ErasedAlongside | null;
}

/** Another module's part of an erasure (ErasurePorts.alongside). */
export interface ErasedAlongside {
  /** The types of the record's events whose data `after` needs: read in the erasure's batch, before they become tombstones. */
  eventTypes: EventType[];
  /** Statements of the module's own tables, run in the erasure's batch. */
  statements: BatchItem<"sqlite">[];
  /** Once the batch has committed (before the engine's part), with the data of those events. */
  after: (eventData: RecordData[]) => Promise<void>;
}

export interface Erasure {
  tenantId: string;
  form: string;
  id: string;
  now?: number;
}

export async function eraseRecord(ports: ErasurePorts, erasure: Erasure): Promise<void> {
  const { db } = ports;
  const { tenantId, form, id } = erasure;
  const ofRecord = and(eq(events.tenantId, tenantId), eq(events.form, form), eq(events.recordId, id));
  const objectKeys = await recordObjectKeys(db, tenantId, form, id);
  await deleteObjects(ports.attachments, objectKeys);
  const alongside = ports.alongside(db, erasure);
  const [alongsideEvents, removed, , , tombstones, uploads] = await db.batch([
    db
      .select({ data: events.data })
      .from(events)
      .where(and(ofRecord, isNull(events.erasedAt), inArray(events.type, alongside?.eventTypes ?? []))),
    db
      .delete(records)
      .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id)))
      .returning({ id: records.id }),
    db
      .update(events)
      .set({ data: {}, changedFields: [], previous: null, erasedAt: erasure.now ?? Date.now() })
      .where(and(ofRecord, isNull(events.erasedAt))),
    db.delete(recordKeys).where(and(eq(recordKeys.tenantId, tenantId), eq(recordKeys.form, form), eq(recordKeys.recordId, id))),
    db.select({ seq: events.seq }).from(events).where(ofRecord),
    deleteRecordUploadRows(db, tenantId, form, id),
    ...(alongside?.statements ?? []),
  ]);
  const late = uploads.map((upload) => upload.objectKey).filter((key) => !objectKeys.includes(key));
  if (late.length > 0) await deleteObjects(ports.attachments, late);
  if (removed.length === 0 && tombstones.length === 0) throw new AppError("NOT_FOUND", `No ${form} record '${id}'`);
  await alongside?.after(alongsideEvents.map((event) => event.data));
  const seqs = tombstones.map((event) => event.seq);
  if (seqs.length > 0) await ports.eraseDeliveries(tenantId, seqs);
}
