/**
 * The receiving use case of a configurable inbound hook, once the request is verified: a vendor event id or an
 * HMAC signature already accepted in the last 24 h is a replay (nothing written); otherwise the hook's template
 * maps the body to items (each with the action its hook, preset or template decides; ignored ones, pings
 * included, make no change), every item is checked before the first write (a bad item rejects the delivery
 * without a partial change), and each item is applied through records/ with the event id and the signature
 * remembered in the batch of the last, so of two racing copies of one delivery only one commits.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import type { InboundHook } from "../../db/schema/inbound-hooks";
import type { CommitPorts, SQLRecordId } from "../../records/commit-change";
import { isUniqueViolation } from "../../records/record-keys";
import { AppError } from "../../runtime/errors";
import { findIdempotentRecord, rememberIdempotencyKey, type IdempotencyRequest } from "../idempotency";
import { rememberEventId, seenEventId, type EventIdKey } from "./hook-store";
import type { InboundHookPreset } from "./presets";
import { compileTemplate, TemplateError } from "./template";
import { headerRecord, syncKeyValues } from "./mapping";
import { planDelivery, type PlannedItem } from "./item-event";
import { applyItem, recordExists, type ApplyContext, type ItemChange } from "./apply";

export const INBOUND_HOOK_SOURCE = "inbound_hook";

export interface VerifiedDelivery {
  hook: InboundHook;
  preset: InboundHookPreset;
  body: unknown;
  /** The body is a CloudEvents batch: one item per event. */
  batch: boolean;
  headers: Headers;
  /** The vendor's id of this delivery (Standard Webhooks `webhook-id` or the preset's event id), if any. */
  eventId: string | null;
  /** The delivery's HMAC signature as an idempotency identity (idempotency.ts), when an HMAC verified it. */
  signature: IdempotencyRequest | null;
  now: number;
  /** The tenant's validate/pre hooks, for hooks that write users. */
  lifecycle?: ApplyContext["lifecycle"];
}

export interface DeliveryOutcome {
  replayed: boolean;
  changes: ItemChange[];
}

const REPLAYED: DeliveryOutcome = { replayed: true, changes: [] };
/** The record a delivery without items remembers its signature with: none. */
const NO_RECORD: SQLRecordId = sql`''`;

/** What identifies a delivery for the 24 h replay memory: the vendor's event id, the signature, or both. */
interface DeliveryIdentity {
  eventKey: EventIdKey | null;
  signature: IdempotencyRequest | null;
}

async function seenBefore(db: Database, { eventKey, signature }: DeliveryIdentity, now: number): Promise<boolean> {
  if (eventKey && (await seenEventId(db, eventKey, now))) return true;
  return signature !== null && (await findIdempotentRecord(db, signature, now)) !== null;
}

/** The statements that remember the delivery, for the batch of its last change (a live twin makes them fail). */
const remember = (db: Database, form: string, { eventKey, signature }: DeliveryIdentity, now: number) => (recordId: SQLRecordId) => [
  ...(eventKey ? rememberEventId(db, eventKey, now) : []),
  ...(signature ? rememberIdempotencyKey(db, signature, form, recordId, now) : []),
];

function renderItems(delivery: VerifiedDelivery): PlannedItem[] {
  try {
    const { hook, preset, body, batch, headers, now } = delivery;
    return planDelivery(compileTemplate(hook.template), preset, hook.event, { body, batch, headers: headerRecord(headers), now });
  } catch (error) {
    if (error instanceof TemplateError) throw new AppError("TEMPLATE_FAILED", error.message);
    throw error;
  }
}

export async function receiveDelivery(ports: CommitPorts, delivery: VerifiedDelivery): Promise<DeliveryOutcome> {
  const { hook, eventId, now } = delivery;
  const { db } = ports;
  const identity: DeliveryIdentity = {
    eventKey: eventId === null ? null : { tenantId: hook.tenantId, hookId: hook.id, eventId },
    signature: delivery.signature,
  };
  if (await seenBefore(db, identity, now)) return REPLAYED;

  const items = renderItems(delivery);
  const contextOf = ({ action }: PlannedItem): ApplyContext => ({
    tenantId: hook.tenantId,
    form: hook.form,
    event: action,
    syncKeys: hook.syncKeys,
    source: `${INBOUND_HOOK_SOURCE}:${hook.id}`,
    now,
    lifecycle: delivery.lifecycle,
  });
  for (const item of items) {
    if (syncKeyValues(hook.syncKeys, item.fields).length === 0 || item.action !== "create") {
      if (!(await recordExists(db, contextOf(item), item.fields))) {
        throw new AppError("RECORD_NOT_FOUND", `No ${hook.form} record matches the sync keys of an item for '${item.action}'`);
      }
    }
  }

  const changes: ItemChange[] = [];
  const memory = remember(db, hook.form, identity, now);
  try {
    for (const [index, item] of items.entries()) {
      changes.push(await applyItem(ports, contextOf(item), item.fields, index === items.length - 1 ? memory : () => []));
    }
    const [first, ...rest] = items.length === 0 ? memory(NO_RECORD) : [];
    if (first) await db.batch([first, ...rest]);
  } catch (error) {
    // A concurrent copy of the same delivery took its event id or signature first: answer as that copy's replay.
    if (isUniqueViolation(error) && (await seenBefore(db, identity, now))) return REPLAYED;
    throw error;
  }
  return { replayed: false, changes };
}
