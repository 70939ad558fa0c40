/**
 * The receiving use case of a configurable inbound hook, once the request is verified: a vendor event id
 * already accepted in the last 24 h is a replay (nothing written); otherwise the hook's template maps the body
 * to items, every item is checked before the first write (a bad item rejects the delivery without a partial
 * change), and each item is applied through records/ with the event id remembered in the batch of the last.
 */
import type { InboundHook } from "../../db/schema/inbound-hooks";
import type { CommitPorts } from "../../records/commit-change";
import { isUniqueViolation } from "../../records/record-keys";
import { AppError } from "../../runtime/errors";
import { rememberEventId, seenEventId, type EventIdKey } from "./hook-store";
import type { InboundHookPreset } from "./presets";
import { compileTemplate, TemplateError, type RecordFields } from "./template";
import { headerRecord, mapDelivery, syncKeyValues } from "./mapping";
import { applyItem, recordExists, type ApplyContext, type ItemChange } from "./apply";

export const INBOUND_HOOK_SOURCE = "inbound_hook";

export interface VerifiedDelivery {
  hook: InboundHook;
  preset: InboundHookPreset;
  body: unknown;
  headers: Headers;
  /** The vendor's id of this delivery (Standard Webhooks `webhook-id` or the preset's event id), if any. */
  eventId: string | null;
  now: number;
  /** The tenant's validate/pre hooks, for hooks that write users. */
  lifecycle?: ApplyContext["lifecycle"];
}

export interface DeliveryOutcome {
  replayed: boolean;
  changes: ItemChange[];
}

const REPLAYED: DeliveryOutcome = { replayed: true, changes: [] };

function renderItems(delivery: VerifiedDelivery): RecordFields[] {
  try {
    const { hook, preset, body, headers, now } = delivery;
    return mapDelivery(compileTemplate(hook.template), preset, { body, headers: headerRecord(headers), now });
  } catch (error) {
    if (error instanceof TemplateError) throw new AppError("TEMPLATE_FAILED", error.message);
    throw error;
  }
}

export async function receiveDelivery(ports: CommitPorts, delivery: VerifiedDelivery): Promise<DeliveryOutcome> {
  const { hook, eventId, now } = delivery;
  const { db } = ports;
  const eventKey: EventIdKey | null = eventId === null ? null : { tenantId: hook.tenantId, hookId: hook.id, eventId };
  if (eventKey && (await seenEventId(db, eventKey, now))) return REPLAYED;

  const items = renderItems(delivery);
  const context: ApplyContext = {
    tenantId: hook.tenantId,
    form: hook.form,
    event: hook.event,
    syncKeys: hook.syncKeys,
    source: `${INBOUND_HOOK_SOURCE}:${hook.id}`,
    now,
    lifecycle: delivery.lifecycle,
  };
  for (const fields of items) {
    if (syncKeyValues(hook.syncKeys, fields).length === 0 || hook.event !== "create") {
      if (!(await recordExists(db, context, fields))) {
        throw new AppError("RECORD_NOT_FOUND", `No ${hook.form} record matches the sync keys of an item for '${hook.event}'`);
      }
    }
  }

  const changes: ItemChange[] = [];
  try {
    for (const [index, fields] of items.entries()) {
      const remember = index === items.length - 1 && eventKey ? () => [...rememberEventId(db, eventKey, now)] : () => [];
      changes.push(await applyItem(ports, context, fields, remember));
    }
    if (items.length === 0 && eventKey) await db.batch(rememberEventId(db, eventKey, now));
  } catch (error) {
    // A concurrent delivery of the same event took its event id first: answer as that delivery's replay.
    if (eventKey && isUniqueViolation(error) && (await seenEventId(db, eventKey, now))) return REPLAYED;
    throw error;
  }
  return { replayed: false, changes };
}
