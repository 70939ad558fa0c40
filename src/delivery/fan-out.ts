/**
 * Fan-out: which subscriptions an event goes to, and the exact body each one gets. A subscription matches
 * when it is enabled, its form is the event's form, its entry_events include the event's type, and its AR
 * qualification holds on the record's values. Bodies are rendered once, here, so retries resend the same
 * bytes. A subscription with a transformation gets its template's output instead of the payload, rendered here too
 * (so a PUT changing the template never splits one delivery between versions); a template that fails to render
 * makes an unsendable delivery carrying the error (unsendable-body.ts). Pure: the caller supplies the subscriptions, the record instance id, the tenant's form definitions (fields
 * by id, selection labels in conditions; payload fields named by id are sent by name). A condition's clock is the
 * event's commit time.
 */
import { recordEventTypes, type EventType, type RecordData, type RecordEventType, type StoredAttachment, type Subscription } from "../db/schema";
import { evaluate, parseQualification, type Qualification } from "../subscriptions/qualification";
import { findField, type FormDefinition } from "../records/form-fields";
import { renderArCallback, type ArEntryEvent } from "../subscriptions/ar-payload";
import { renderThinEvent } from "../subscriptions/thin-payload";
import { attachmentUrl } from "../records/attachments";
import { planMultipartBody } from "./multipart-body";
import { recordUrl } from "../records/record-view";
import { formNameKey } from "../records/record-ids";
import { streamKey } from "./stream-scheduler";
import { renderTransformation, TemplateError, type TransformationInput } from "../subscriptions/transformation";
import { planUnsendableBody } from "./unsendable-body";

export interface FanOutEvent {
  seq: number;
  type: EventType;
  form: string;
  recordId: string;
  data: RecordData;
  changedFields: string[];
  createdAt: number;
  /** Who made the change ($USER$); null or left out when unknown. */
  actor?: string | null;
  /** The changed fields' values before the change ('DB.Field'); null or left out on a create. */
  previous?: RecordData | null;
}

/** What matching and rendering need besides the event: the tenant's form definitions by name key (formNameKey). */
export interface FanOutContext {
  definitions?: ReadonlyMap<string, FormDefinition>;
}

/**
 * What an event's bodies need beyond the event: AR's record instance id, the tenant's base URL (thin events,
 * attachment URLs), and the stored files the event's values name, by field (AR callbacks with attachments).
 */
export interface RecordAddress {
  instanceId: string;
  tenantBaseUrl: string;
  attachments?: ReadonlyMap<string, StoredAttachment>;
}

export interface PlannedDelivery {
  subscriptionId: string;
  streamKey: string;
  eventSeq: number;
  body: string;
  contentType: string;
  /** Where to send it when not to the subscription's callback URL (lifecycle hooks: `{baseUrl}/{hook}`). */
  url?: string;
  /**
   * Its stream key under the subscription's other ordering: used instead while deliveries fanned out before an
   * ordering change are still open (see continuedStreamKey()).
   */
  otherOrderingKey?: string;
}

/** AR knows four entry events; archiving a user is its soft delete. */
const AR_EVENT: Record<RecordEventType, ArEntryEvent> = { create: "create", update: "update", merge: "merge", delete: "delete", archive: "delete" };

export type RecordEvent = FanOutEvent & { type: RecordEventType };

/** A change to a record's values; a user event (a password change, a provisioning) goes only to lifecycle hooks. */
export const isRecordEvent = (event: FanOutEvent): event is RecordEvent => (recordEventTypes as readonly string[]).includes(event.type);

/** Parsed conditions by their text, least recently used first (a Map iterates in insertion order). */
const parsedConditions = new Map<string, Qualification | null>();
/** How many parsed conditions an isolate keeps: bounded, whatever the number of subscriptions it serves. */
export const PARSED_CONDITIONS_KEPT = 1000;

const definitionOf = (event: FanOutEvent, context: FanOutContext): FormDefinition | null => context.definitions?.get(formNameKey(event.form)) ?? null;

/** The parsed condition (null = always), cached by its text; an unparseable stored condition never matches. */
function conditionHolds(condition: string, event: FanOutEvent, context: FanOutContext): boolean {
  if (condition.trim() === "") return true;
  let parsed = parsedConditions.get(condition);
  if (parsed === undefined) {
    const result = parseQualification(condition);
    parsed = result.ok ? result.ast : null;
    if (parsedConditions.size >= PARSED_CONDITIONS_KEPT) parsedConditions.delete(parsedConditions.keys().next().value!);
  } else {
    // Used again: it moves to the most recent end.
    parsedConditions.delete(condition);
  }
  parsedConditions.set(condition, parsed);
  if (parsed === null) return false;
  return evaluate(parsed, event.data, {
    // A create sets every field it carries and has nothing before it.
    changedFields: event.type === "create" ? undefined : event.changedFields,
    previous: event.type === "create" ? null : (event.previous ?? null),
    user: event.actor ?? null,
    // The clock of $DATE$, $TIMESTAMP$ ... is the change's commit time, as when AR runs its filters: a late fan-out decides the same.
    now: event.createdAt,
    definition: definitionOf(event, context),
  });
}

/** How many parsed conditions this isolate holds (for a test of the bound). */
export const parsedConditionCount = (): number => parsedConditions.size;

/** Form names are unique per tenant ignoring case: a subscription to `hpd:help desk` watches `HPD:Help Desk`. */
const sameForm = (a: string, b: string): boolean => a === b || formNameKey(a) === formNameKey(b);

/**
 * A subscription its tenant disabled (`enabled: false`) gets nothing, as in AR. One the engine disabled after
 * a 410 Gone still gets its deliveries recorded; the engine holds them until the subscription is saved again.
 * A subscription gets the events committed after it was created, never older ones: however late the engine
 * reads an event (a tenant with nothing to deliver to is not woken per event; see delivery-interest.ts), what
 * it fans out is the same.
 */
export function subscriptionMatches(subscription: Subscription, event: FanOutEvent, context: FanOutContext = {}): boolean {
  return (
    isRecordEvent(event) &&
    subscription.enabled &&
    event.createdAt >= subscription.createdAt &&
    sameForm(subscription.formName, event.form) &&
    subscription.entryEvents.includes(AR_EVENT[event.type]) &&
    conditionHolds(subscription.condition, event, context)
  );
}

/** The event's stored files as the AR renderer takes them: name, size, the object to load, the download URL. */
function arAttachments(event: FanOutEvent, address: RecordAddress) {
  if (!address.attachments || address.attachments.size === 0) return undefined;
  return Object.fromEntries(
    [...address.attachments].map(([field, stored]) => [
      field,
      { name: stored.name, sizeBytes: stored.sizeBytes, ref: stored.objectKey, url: attachmentUrl(address.tenantBaseUrl, event.form, event.recordId, field) },
    ]),
  );
}

/** Payload fields as the callback names them: a field given by id is sent under its name. */
function payloadFieldNames(payloadFields: readonly string[], definition: FormDefinition | null): readonly string[] {
  return definition ? payloadFields.map((reference) => findField(definition, reference)?.name ?? reference) : payloadFields;
}

type RenderedBody = { body: string; contentType: string };

/** What a transformation renders over: the event, the payload the subscription's format gives, the subscription. */
function transformationInput(subscription: Subscription, event: RecordEvent, payload: unknown): TransformationInput {
  return {
    event: {
      type: AR_EVENT[event.type],
      seq: event.seq,
      form: event.form,
      record_id: event.recordId,
      changed_fields: [...event.changedFields],
      time: new Date(event.createdAt).toISOString(),
    },
    payload,
    subscription: { id: subscription.id, description: subscription.description },
  };
}

/**
 * The body one subscription gets for one event, or null when its format sends nothing. With a transformation, the
 * payload is rendered as JSON (files as references, never multipart) and the template's output is the body; a
 * render failure is an unsendable body carrying the template's error.
 */
export function renderCallbackBody(subscription: Subscription, event: RecordEvent, address: RecordAddress, context: FanOutContext = {}): RenderedBody | null {
  const template = subscription.transformation;
  if (template === null) return renderPayload(subscription, event, address, context);
  const payload = renderPayload({ ...subscription, sendAttachmentAsReference: true }, event, address, context);
  if (payload === null) return null;
  try {
    return { body: renderTransformation(template, transformationInput(subscription, event, JSON.parse(payload.body))), contentType: "application/json" };
  } catch (error) {
    if (error instanceof TemplateError) return planUnsendableBody(`Transformation failed: ${error.message}`);
    throw error;
  }
}

function renderPayload(subscription: Subscription, event: RecordEvent, address: RecordAddress, context: FanOutContext): RenderedBody | null {
  if (subscription.format === "thin") {
    const thin = renderThinEvent(event, recordUrl(address.tenantBaseUrl, event.form, event.recordId));
    return { body: JSON.stringify(thin), contentType: "application/json" };
  }
  const callback = renderArCallback(
    {
      webhookId: subscription.id,
      formName: subscription.formName,
      payloadFields: payloadFieldNames(subscription.payloadFields, definitionOf(event, context)),
      sendUnchangedFields: subscription.sendUnchangedFields,
      sendAttachmentAsReference: subscription.sendAttachmentAsReference,
      customJson: subscription.customJson,
    },
    {
      type: AR_EVENT[event.type],
      form: event.form,
      entryId: event.recordId,
      recordId: address.instanceId,
      data: event.data,
      changedFields: event.changedFields,
      attachments: arAttachments(event, address),
    },
  );
  if (callback === null) return null;
  if (callback.format === "json") return { body: JSON.stringify(callback.body), contentType: "application/json" };
  return planMultipartBody(callback.parts, `hookgate-${event.seq}-${subscription.id}`);
}

/** The deliveries one event makes: one per matching subscription, its body rendered now. */
export function planFanOut(event: FanOutEvent, subscriptions: readonly Subscription[], address: RecordAddress, context: FanOutContext = {}): PlannedDelivery[] {
  const planned: PlannedDelivery[] = [];
  if (!isRecordEvent(event)) return planned;
  for (const subscription of subscriptions) {
    if (!subscriptionMatches(subscription, event, context)) continue;
    const rendered = renderCallbackBody(subscription, event, address, context);
    if (rendered === null) continue;
    const other = { id: subscription.id, ordering: subscription.ordering === "record" ? ("subscription" as const) : ("record" as const) };
    planned.push({ subscriptionId: subscription.id, streamKey: streamKey(subscription, event), otherOrderingKey: streamKey(other, event), eventSeq: event.seq, ...rendered });
  }
  return planned;
}
