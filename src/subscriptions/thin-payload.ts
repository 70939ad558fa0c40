/**
 * Thin events (seed 002, onePortal): `{id, entityType, eventType, timestamp}`, plus `url`, the absolute address of
 * the record in the records API (`GET /api/v1/records/{form}/{id}`), which the receiver fetches. Pure.
 */
import type { RecordEventType } from "../db/schema";

export interface ThinEvent {
  id: string;
  entityType: string;
  eventType: "CREATE" | "UPDATE" | "DELETE";
  timestamp: string;
  url: string;
}

const THIN_EVENT_TYPE: Record<RecordEventType, ThinEvent["eventType"]> = {
  create: "CREATE",
  update: "UPDATE",
  merge: "UPDATE",
  delete: "DELETE",
  archive: "DELETE",
};

export function renderThinEvent(event: { recordId: string; form: string; type: RecordEventType; createdAt: number }, recordUrl: string): ThinEvent {
  return {
    id: event.recordId,
    entityType: event.form.toUpperCase(),
    eventType: THIN_EVENT_TYPE[event.type],
    timestamp: new Date(event.createdAt).toISOString(),
    url: recordUrl,
  };
}
