/**
 * Deliveries whose AR callback carries files. Fan-out stores the callback's plan, not its bytes: the entry
 * part's JSON and, per file part, which stored object holds the file (the delivery's body column is text, and
 * a file of up to 10 MiB per delivery would swell the object's storage). Each attempt loads the bytes and
 * serialises the same plan to the same bytes (subscriptions/multipart.ts), which are what is signed and sent.
 * A file that is no longer stored (its record was erased, or retention removed a replaced upload while the
 * delivery was still retrying) makes the delivery unsendable: it is dead-lettered with that reason, since no
 * retry can bring the bytes back and a callback without them would misstate the entry. Pure: the loader is passed in.
 */
import type { ArCallbackPart } from "../subscriptions/ar-payload";
import { serializeMultipart, type MultipartPart } from "../subscriptions/multipart";

const PLAN_FORMAT = "hookgate.multipart.v1";

interface PlannedPart {
  name: string;
  contentType: string;
  filename?: string;
  /** The entry part's text. */
  text?: string;
  /** A file part's stored object. */
  ref?: string;
  sizeBytes?: number;
}

interface MultipartPlan {
  format: typeof PLAN_FORMAT;
  boundary: string;
  parts: PlannedPart[];
}

/** What fan-out stores for a multipart callback: the plan as the body, the Content-Type it will most likely have. */
export function planMultipartBody(parts: readonly ArCallbackPart[], boundary: string): { body: string; contentType: string } {
  const plan: MultipartPlan = {
    format: PLAN_FORMAT,
    boundary,
    parts: parts.map((part) =>
      part.kind === "entry"
        ? { name: part.name, contentType: part.contentType, text: JSON.stringify(part.json) }
        : { name: part.name, contentType: part.contentType, filename: part.filename, ref: part.ref, sizeBytes: part.sizeBytes },
    ),
  };
  return { body: JSON.stringify(plan), contentType: `multipart/form-data; boundary=${boundary}` };
}

function planOf(delivery: { body: string; content_type: string }): MultipartPlan | null {
  if (!delivery.content_type.startsWith("multipart/form-data")) return null;
  try {
    const plan = JSON.parse(delivery.body) as Partial<MultipartPlan>;
    return plan.format === PLAN_FORMAT && typeof plan.boundary === "string" && Array.isArray(plan.parts) ? (plan as MultipartPlan) : null;
  } catch {
    return null;
  }
}

/** The file bytes a delivery's body will load (0 for a body sent as stored). */
export function plannedFileBytes(delivery: { body: string; content_type: string }): number {
  return planOf(delivery)?.parts.reduce((total, part) => total + (part.ref === undefined ? 0 : (part.sizeBytes ?? 0)), 0) ?? 0;
}

export type AssembledBody = { ok: true; body: string | Uint8Array; contentType: string } | { ok: false; error: string };

const encoder = new TextEncoder();

/** The bytes to send for a delivery: its body as stored, or, for a multipart plan, the plan with every file loaded. */
export async function assembleBody(delivery: { body: string; content_type: string }, load: (ref: string) => Promise<Uint8Array | null>): Promise<AssembledBody> {
  const plan = planOf(delivery);
  if (!plan) return { ok: true, body: delivery.body, contentType: delivery.content_type };
  const parts: MultipartPart[] = [];
  for (const part of plan.parts) {
    if (part.ref === undefined) {
      parts.push({ name: part.name, contentType: part.contentType, bytes: encoder.encode(part.text ?? "") });
      continue;
    }
    const bytes = await load(part.ref);
    if (!bytes) {
      return { ok: false, error: `The file of part '${part.name}' is no longer stored (its record was erased, or a later upload replaced it and retention removed it)` };
    }
    parts.push({ name: part.name, contentType: part.contentType, filename: part.filename ?? "", bytes });
  }
  const { body, contentType } = serializeMultipart(parts, plan.boundary);
  return { ok: true, body, contentType };
}
