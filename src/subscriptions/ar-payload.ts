/**
 * AR System webhook callbacks (seed 003, "The webhook callback response"): what Hookgate sends to an AR
 * subscription's callback URL for one record event. Pure functions: they pick the fields and shape the
 * body; the delivery engine serialises it, loads attachment bytes and makes the request.
 *
 * Body shape, key order as in the seed's examples:
 *   create, merge  {webhook_id, entry_event, form_name, entry_id, record_id, entry_details}
 *   update         {webhook_id, entry_event, form_name, entry_id, entry_details}   (the seed's update example has no record_id)
 *   delete         {webhook_id, entry_event, form_name, entry_id}                  ("No other fields are returned")
 * plus `custom_json` last, on every event, when the subscription has one (see ArCallbackBody).
 *
 * entry_details holds the subscription's payload_fields (every field of the record when none are given),
 * a field without a value as null. On update it holds only the registered fields that changed, or all of
 * them with send_unchanged_fields; when no registered field changed there is no callback at all.
 * Attachment fields (the event's `attachments`, resolved from storage by the delivery engine) do not appear in
 * entry_details: they travel as `attach-{field}` parts of a multipart callback (renderArMultipart), as the
 * seed's attachment example shows. With send_attachment_as_reference the callback stays JSON and the field
 * holds `{name, sizeBytes, url}` in entry_details instead, url being the entry API's download of the file.
 */

export const arEntryEvents = ["create", "update", "merge", "delete"] as const;
/** The `entry_event` of a callback, lower case as in the seed's examples and registrations. */
export type ArEntryEvent = (typeof arEntryEvents)[number];

/** The parts of an AR subscription the payload depends on. */
export interface ArSubscription {
  webhookId: string;
  formName: string;
  /** Registered payload_fields; empty means every field of the record. */
  payloadFields: readonly string[];
  sendUnchangedFields: boolean;
  /** Attachments as `{name, sizeBytes, url}` in entry_details of a JSON callback, instead of multipart file parts. */
  sendAttachmentAsReference?: boolean;
  customJson?: Record<string, unknown> | null;
}

/** One committed change of a record, as the delivery engine hands it over. */
export interface ArRecordEvent {
  type: ArEntryEvent;
  form: string;
  /** The entry's request id, e.g. "000000000000001" or "TKT000000000042". */
  entryId: string;
  /** The 30-character instance id, e.g. "AGGAA5V0G7LDIAQLFCY6QKGM9CABDM". */
  recordId: string;
  /** The record's full field values after the change; for delete, the last values. */
  data: Readonly<Record<string, unknown>>;
  /** Names of the fields this change touched (added, changed or removed). */
  changedFields: readonly string[];
  /** The fields of `data` that name a stored file, by field name; absent or empty when none do. */
  attachments?: Readonly<Record<string, ArAttachment>>;
}

/** A stored file an attachment field names. */
export interface ArAttachment {
  name: string;
  sizeBytes: number;
  /** Which stored object holds the bytes: the delivery engine loads them at send time. Never sent. */
  ref: string;
  /** Where the receiver can download the bytes (send_attachment_as_reference). */
  url: string;
}

/** What entry_details holds for an attachment sent as a reference. */
export interface ArAttachmentReference {
  name: string;
  sizeBytes: number;
  url: string;
}

export interface ArCallbackBody {
  webhook_id: string;
  entry_event: ArEntryEvent;
  form_name: string;
  entry_id: string;
  record_id?: string;
  entry_details?: Record<string, unknown>;
  /**
   * The subscription's Custom JSON, verbatim, under its own key. The seed says only that it is sent "as
   * plain data" alongside the entry; nesting it (rather than merging its keys into the top level) means
   * it can never overwrite webhook_id, entry_id or entry_details. Absent when none is registered.
   */
  custom_json?: Record<string, unknown>;
}

/** An attachment field selected for the callback. */
export interface ArAttachmentField {
  field: string;
  attachment: ArAttachment;
}

export interface ArPayload {
  body: ArCallbackBody;
  /** Attachment fields left out of entry_details; non-empty means the callback must be multipart. */
  attachments: ArAttachmentField[];
}

/** Content type of the `entry` part, as in the seed's multipart example. */
export const JSON_PART_CONTENT_TYPE = "application/json; charset=UTF-8";
/** Content type of every file part, as in the seed's multipart example, whatever the file's own type. */
export const FILE_PART_CONTENT_TYPE = "application/octet-stream";

/** One part of a multipart/form-data callback; the delivery engine turns the list into the request body. */
export type ArCallbackPart =
  | { kind: "entry"; name: "entry"; contentType: typeof JSON_PART_CONTENT_TYPE; json: ArCallbackBody }
  /** The file itself: the engine loads the bytes from `ref` and sends them with Content-Transfer-Encoding: binary. */
  | { kind: "attachment"; name: `attach-${string}`; filename: string; contentType: typeof FILE_PART_CONTENT_TYPE; sizeBytes: number; ref: string };

/** What to send for one (subscription, event): a JSON body, or multipart parts when attachments travel with it. */
export type ArCallback = { format: "json"; body: ArCallbackBody } | { format: "multipart"; parts: ArCallbackPart[] };

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/** The fields entry_details should carry, in order, or null when an update touched none of the registered ones. */
function detailFields(subscription: ArSubscription, event: ArRecordEvent): string[] | null {
  const registered =
    subscription.payloadFields.length > 0 ? unique(subscription.payloadFields) : unique([...Object.keys(event.data), ...event.changedFields]);
  if (event.type !== "update") return registered;
  const changed = new Set(event.changedFields);
  const changedRegistered = registered.filter((field) => changed.has(field));
  if (changedRegistered.length === 0) return null;
  return subscription.sendUnchangedFields ? registered : changedRegistered;
}

/**
 * The callback body for one event and the attachments that go with it, or null when this subscription
 * gets no callback for it (an update that changed none of its fields).
 */
export function renderArPayload(subscription: ArSubscription, event: ArRecordEvent): ArPayload | null {
  const body: ArCallbackBody = {
    webhook_id: subscription.webhookId,
    entry_event: event.type,
    form_name: subscription.formName,
    entry_id: event.entryId,
  };
  const attachments: ArAttachmentField[] = [];
  if (event.type !== "delete") {
    const fields = detailFields(subscription, event);
    if (fields === null) return null;
    if (event.type !== "update") body.record_id = event.recordId;
    const details: Record<string, unknown> = {};
    for (const field of fields) {
      const value = Object.hasOwn(event.data, field) ? event.data[field] : undefined;
      const attachment = event.attachments && Object.hasOwn(event.attachments, field) ? event.attachments[field] : undefined;
      if (attachment && subscription.sendAttachmentAsReference) details[field] = referenceTo(attachment);
      else if (attachment) attachments.push({ field, attachment });
      else details[field] = value ?? null;
    }
    body.entry_details = details;
  }
  if (subscription.customJson) body.custom_json = subscription.customJson;
  return { body, attachments };
}

const referenceTo = ({ name, sizeBytes, url }: ArAttachment): ArAttachmentReference => ({ name, sizeBytes, url });

const attachmentPart = ({ field, attachment }: ArAttachmentField): ArCallbackPart => ({
  kind: "attachment",
  name: `attach-${field}`,
  filename: attachment.name,
  contentType: FILE_PART_CONTENT_TYPE,
  sizeBytes: attachment.sizeBytes,
  ref: attachment.ref,
});

function partsOf(payload: ArPayload): ArCallbackPart[] {
  return [{ kind: "entry", name: "entry", contentType: JSON_PART_CONTENT_TYPE, json: payload.body }, ...payload.attachments.map(attachmentPart)];
}

/**
 * The multipart form of a callback (seed: "returns the callback response as a multipart, form-data
 * entity"): first the `entry` part holding the JSON body, then one `attach-{field}` part per attachment
 * field, carrying the file. Null when there is no callback.
 */
export function renderArMultipart(subscription: ArSubscription, event: ArRecordEvent): { parts: ArCallbackPart[] } | null {
  const payload = renderArPayload(subscription, event);
  return payload && { parts: partsOf(payload) };
}

/** The callback to send: plain JSON, or multipart when at least one attachment field travels with it. Null when none. */
export function renderArCallback(subscription: ArSubscription, event: ArRecordEvent): ArCallback | null {
  const payload = renderArPayload(subscription, event);
  if (payload === null) return null;
  return payload.attachments.length === 0 ? { format: "json", body: payload.body } : { format: "multipart", parts: partsOf(payload) };
}
