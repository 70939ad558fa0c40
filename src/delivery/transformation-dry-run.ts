/**
 * A transformation's dry run: the body a subscription would get for an event, rendered by fan-out's own code
 * (fan-out.ts renderCallbackBody) so it is exactly what would be sent, without sending anything. The template is
 * the one given or the stored one; the event is the one given, laid over a sample built from the subscription's
 * form: a create of entry 000000000000001 at seq 1, now, whose values are one sample per field of the form's
 * definition (attachment fields left out: a dry run has no stored files), or per payload field when the form has
 * no definition. Pure: the caller loads the subscription and the definitions.
 */
import { entryEvents, type RecordData, type Subscription } from "../db/schema";
import type { FormDefinition, FormField } from "../records/form-fields";
import { formNameKey } from "../records/record-ids";
import { renderCallbackBody, type RecordEvent } from "./fan-out";
import { unsendableReason } from "./unsendable-body";
import { TemplateError } from "../subscriptions/transformation";

/** The event a dry run may give, every part optional. */
export interface DryRunEvent {
  type?: (typeof entryEvents)[number];
  seq?: number;
  record_id?: string;
  data?: RecordData;
  /** Defaults to the fields of `data` when `data` is given. */
  changed_fields?: string[];
  /** ISO 8601. */
  time?: string;
}

export const SAMPLE_RECORD_ID = "000000000000001";

function sampleValue(field: FormField): unknown {
  switch (field.type) {
    case "integer":
      return 1;
    case "decimal":
      return 1.5;
    case "date":
      return "2026-01-01";
    case "time":
      return "12:00:00";
    case "selection":
      return field.options ? (Object.values(field.options)[0] ?? null) : null;
    default:
      return `Sample ${field.name}`;
  }
}

/** Sample values for a form: its defined fields, or else the subscription's payload fields. */
function sampleData(subscription: Subscription, definition: FormDefinition | undefined): RecordData {
  if (definition) return Object.fromEntries(definition.filter((field) => field.type !== "attachment").map((field) => [field.name, sampleValue(field)]));
  return Object.fromEntries(subscription.payloadFields.map((name) => [name, `Sample ${name}`]));
}

/** The event a dry run renders: the given parts over the form's sample. */
export function dryRunEvent(subscription: Subscription, definitions: ReadonlyMap<string, FormDefinition>, given: DryRunEvent, now: number): RecordEvent {
  const data = given.data ?? sampleData(subscription, definitions.get(formNameKey(subscription.formName)));
  return {
    seq: given.seq ?? 1,
    type: given.type ?? "create",
    form: subscription.formName,
    recordId: given.record_id ?? SAMPLE_RECORD_ID,
    data,
    changedFields: given.changed_fields ?? Object.keys(data),
    createdAt: given.time ? Date.parse(given.time) : now,
  };
}

/**
 * The JSON object `template` (or the stored transformation) renders for `event`; a render failure, or neither
 * template, is a TemplateError. Null when the subscription's format sends nothing for the event.
 */
export function dryRunTransformation(
  subscription: Subscription,
  template: string | undefined,
  event: RecordEvent,
  address: { instanceId: string; tenantBaseUrl: string },
  definitions: ReadonlyMap<string, FormDefinition>,
): Record<string, unknown> | null {
  const transformation = template ?? subscription.transformation;
  if (!transformation) throw new TemplateError("The subscription has no transformation; give one as `template`");
  const rendered = renderCallbackBody({ ...subscription, transformation }, event, address, { definitions });
  if (rendered === null) return null;
  const unsendable = unsendableReason({ body: rendered.body, content_type: rendered.contentType });
  if (unsendable !== null) throw new TemplateError(unsendable);
  return JSON.parse(rendered.body) as Record<string, unknown>;
}
