/**
 * Thin events (seed 002, onePortal): `{id, entityType, eventType, timestamp}` and nothing else; the receiver
 * fetches the entity through `GET /api/v1/records/{form}/{id}`. Pure.
 */
import type { EventType } from "../db/schema";

export interface ThinEvent {
  id: string;
  entityType: string;
  eventType: "CREATE" | "UPDATE" | "DELETE";
  timestamp: string;
}

const THIN_EVENT_TYPE: Record<EventType, ThinEvent["eventType"]> = {
  create: "CREATE",
  update: "UPDATE",
  merge: "UPDATE",
  delete: "DELETE",
  archive: "DELETE",
};

export function renderThinEvent(event: { recordId: string; form: string; type: EventType; createdAt: number }): ThinEvent {
  return {
    id: event.recordId,
    entityType: event.form.toUpperCase(),
    eventType: THIN_EVENT_TYPE[event.type],
    timestamp: new Date(event.createdAt).toISOString(),
  };
}
