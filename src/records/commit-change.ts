/**
 * commitChange(): the one way an inbound path (vendor webhooks, configurable hooks, HR provisioning, the AR
 * entry API) writes a record. The change, its event and every row that belongs to it (`alongside`: the
 * request's log row, an idempotency key, a vendor event id, record-key links) commit in one D1 batch, and an
 * update's batch commits only if the record's version still matched (record-writes.ts); then the tenant's
 * delivery is woken through the port the caller passes, so this module never needs to know the engine.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import type { RecordData } from "../db/schema";
import { createRecord, deleteRecord, updateRecord, type CommittedEvent, type RecordChange, type SQLRecordId } from "./record-writes";
import { isUniqueViolation } from "./record-keys";
import { registerFormName, resolveFormName } from "./form-names";

export type { CommittedEvent, RecordChange, SQLRecordId };

export type ChangeIntent =
  | { kind: "create"; data: RecordData; type?: "create" | "merge" }
  /** `alsoChanged`: fields that count as changed even when their value compares equal (a file uploaded again). */
  | { kind: "update"; id: string; patch: RecordData; type?: "update" | "merge"; alsoChanged?: readonly string[] }
  | { kind: "delete"; id: string; type?: "delete" | "archive" };

/** Rows that belong to a change: written in its batch, so they exist if and only if the change committed. */
export type Alongside = (recordId: SQLRecordId) => BatchItem<"sqlite">[];

export interface Change {
  tenantId: string;
  form: string;
  /** Who made the change (e.g. `helpdesk.createticket`), stored on its event. */
  source: string;
  /** The principal behind it (`api_key:{id}`, ...), stored on its event: `$USER$` in a qualification. */
  actor?: string | null;
  intent: ChangeIntent;
  alongside?: Alongside;
  now?: number;
}

export interface CommitPorts {
  db: Database;
  /** Called after a change that appended an event has committed, with its form (delivery's nudge; see c.var.wakeDelivery). */
  wakeDelivery: (tenantId: string, form: string) => void;
}

export async function commitChange(ports: CommitPorts, change: Change): Promise<RecordChange> {
  const { intent } = change;
  // A form is one form whatever the case it is named in: a create registers the first spelling, the rest find it.
  const form =
    intent.kind === "create"
      ? await registerFormName(ports.db, change.tenantId, change.form, change.now)
      : await resolveFormName(ports.db, change.tenantId, change.form);
  const context = { tenantId: change.tenantId, form, source: change.source, actor: change.actor, now: change.now };
  const alongside = change.alongside ?? (() => []);
  const committed =
    intent.kind === "create"
      ? await createRecord(ports.db, { ...context, data: intent.data, type: intent.type }, alongside)
      : intent.kind === "update"
        ? await updateRecord(ports.db, { ...context, id: intent.id, patch: intent.patch, type: intent.type, alsoChanged: intent.alsoChanged }, alongside)
        : await deleteRecord(ports.db, { ...context, id: intent.id, type: intent.type }, alongside);
  if (committed.event) ports.wakeDelivery(change.tenantId, form);
  return committed;
}

/**
 * Runs `attempt`; when D1 refuses it for a unique key that a concurrent request has just taken (the same
 * idempotency key, vendor event id or record key), asks `recover` for the answer instead: typically the other
 * request's result read back, or the change applied again on top of it. A null from `recover` lets the error stand.
 */
export async function recoverFromUniqueRace<T>(attempt: () => Promise<T>, recover: () => Promise<T | null>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const recovered = await recover();
    if (recovered === null) throw error;
    return recovered;
  }
}
