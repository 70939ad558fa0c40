/**
 * The body of an AR entry create or update: JSON (`{"values": {...}}`), or AR's multipart/form-data with the
 * same JSON in a part named `entry` and one `attach-{fieldName}` part per file. Read under the limits before
 * anything is stored: MAX_BODY_BYTES for the entry, MAX_ATTACHMENT_BYTES for all files together (413
 * PAYLOAD_TOO_LARGE beyond either). Parsed with the platform's FormData parser.
 */
import { createMiddleware } from "hono/factory";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/app-env";
import { jsonBody } from "../http/json-body";
import { readRequestBody } from "../http/read-body";
import { validationError } from "../http/validation";
import { AppError } from "../runtime/errors";
import { toHex } from "../runtime/crypto";
import type { Upload } from "../records/attachments";

/** The part names of AR's multipart entry writes. */
const ENTRY_PART = "entry";
const ATTACH_PREFIX = "attach-";
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** Longest file name and attachment field name kept (AR's own limits are lower). */
const MAX_NAME_LENGTH = 254;
/** A media type without parameters: anything else a part declares is stored as application/octet-stream. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/;

export interface EntryInput {
  values: Record<string, unknown>;
  uploads: Upload[];
}

/** An entry as AR clients send it: the JSON body, or the `entry` part of a multipart one. */
export const entryValuesSchema = z.object({ values: z.record(z.string(), z.unknown(), { error: "must be an object of field values" }) }).loose();

/** The parsed multipart entry of each request this middleware read (the route's JSON validator sees none). */
const multipartEntries = new WeakMap<Request, EntryInput>();

/** The OpenAPI description of the multipart form (documentation only: the middleware below parses it). */
export const multipartEntryContent = {
  "multipart/form-data": {
    schema: {
      type: "object" as const,
      required: [ENTRY_PART],
      properties: { [ENTRY_PART]: { type: "string" as const, description: 'The entry as JSON, e.g. {"values":{"Status":"New"}}' } },
      additionalProperties: { type: "string" as const, format: "binary", description: "attach-{fieldName}: a file (with a filename) for that attachment field" },
    },
  },
};

const tooLarge = (message: string) => new AppError("PAYLOAD_TOO_LARGE", message);

function mediaTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

async function readForm(request: Request, limits: { body: number; attachments: number }): Promise<FormData> {
  const limit = limits.body + limits.attachments;
  let bytes: Uint8Array;
  try {
    bytes = await readRequestBody(request, limit);
  } catch (error) {
    if (error instanceof AppError && error.code === "PAYLOAD_TOO_LARGE") {
      throw tooLarge(`The multipart body exceeds ${limit} bytes (attachments may total ${limits.attachments} bytes)`);
    }
    throw error;
  }
  try {
    return await new Response(bytes, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
  } catch {
    throw new AppError("VALIDATION_FAILED", "The body is not valid multipart/form-data", [{ path: "(body)", message: "is not valid multipart/form-data" }]);
  }
}

const invalidPart = (part: string, message: string) => new AppError("VALIDATION_FAILED", `Part '${part}' ${message}`, [{ path: part, message }]);

async function entryValues(part: string | File | null, count: number, limit: number): Promise<Record<string, unknown>> {
  if (part === null) throw invalidPart(ENTRY_PART, "is required: the entry as JSON");
  if (count > 1) throw invalidPart(ENTRY_PART, "appears more than once");
  const text = typeof part === "string" ? part : await part.text();
  if (new TextEncoder().encode(text).byteLength > limit) throw tooLarge(`Part '${ENTRY_PART}' exceeds the limit of ${limit} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError("INVALID_JSON", `Part '${ENTRY_PART}' is not valid JSON: ${error instanceof SyntaxError ? error.message : "unparseable"}`);
  }
  const parsed = entryValuesSchema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error, `Part '${ENTRY_PART}'`);
  return parsed.data.values;
}

/** Every `attach-{field}` part as an upload; anything else besides `entry` is refused, as is a field named twice. */
async function uploadsOf(form: FormData, limit: number): Promise<Upload[]> {
  const uploads: Upload[] = [];
  let total = 0;
  for (const name of new Set(form.keys())) {
    if (name === ENTRY_PART) continue;
    if (!name.startsWith(ATTACH_PREFIX) || name.length === ATTACH_PREFIX.length) throw invalidPart(name, `is not '${ENTRY_PART}' or '${ATTACH_PREFIX}{fieldName}'`);
    if (name.length - ATTACH_PREFIX.length > MAX_NAME_LENGTH) throw invalidPart(name, `names a field longer than ${MAX_NAME_LENGTH} characters`);
    const parts = form.getAll(name);
    if (parts.length > 1) throw invalidPart(name, "appears more than once");
    const file = parts[0]!;
    if (typeof file === "string") throw invalidPart(name, "must be a file part with a filename");
    total += file.size;
    if (total > limit) throw tooLarge(`Attachments exceed the limit of ${limit} bytes in all`);
    const fileName = file.name.trim();
    if (fileName === "" || fileName.length > MAX_NAME_LENGTH) throw invalidPart(name, `must have a filename of 1 to ${MAX_NAME_LENGTH} characters`);
    const contentType = MEDIA_TYPE.test(file.type) ? file.type : DEFAULT_CONTENT_TYPE;
    uploads.push({ field: name.slice(ATTACH_PREFIX.length), name: fileName, contentType, bytes: new Uint8Array(await file.arrayBuffer()) });
  }
  return uploads;
}

/**
 * What the idempotency check compares for a multipart write: the entry and each file's field, name, type and
 * digest, not the raw body (whose boundary a client picks anew on every retry).
 */
async function fingerprint(values: Record<string, unknown>, uploads: readonly Upload[]): Promise<string> {
  const files = await Promise.all(
    uploads.map(async (upload) => [upload.field, upload.name, upload.contentType, toHex(await crypto.subtle.digest("SHA-256", upload.bytes))].join("\t")),
  );
  return ["multipart", JSON.stringify(values), ...files].join("\n");
}

/**
 * Middleware of the entry create and update routes: a JSON body goes through jsonBody() as before; a multipart
 * one is read and parsed here, for multipartEntry() to hand the route. Any other media type is 415.
 */
export const entryBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (mediaTypeOf(c.req.header("content-type")) !== "multipart/form-data") return jsonBody()(c, next);
    const config = c.get("config");
    const form = await readForm(c.req.raw, { body: config.MAX_BODY_BYTES, attachments: config.MAX_ATTACHMENT_BYTES });
    const values = await entryValues(form.get(ENTRY_PART), form.getAll(ENTRY_PART).length, config.MAX_BODY_BYTES);
    const uploads = await uploadsOf(form, config.MAX_ATTACHMENT_BYTES);
    multipartEntries.set(c.req.raw, { values, uploads });
    // Hono caches body reads as promises at runtime although its BodyCache type says `string`.
    (c.req.bodyCache as { text?: Promise<string> }).text = fingerprint(values, uploads);
    await next();
  });

/** The multipart entry entryBody() parsed for this request, or null when the body was JSON. */
export const multipartEntry = (request: Request): EntryInput | null => multipartEntries.get(request) ?? null;
