/**
 * AR System entry API (seed 003), so AR clients can drive events: create, read, list, update, delete and
 * merge entries on any form. Entries are records; each write appends the event that webhooks on the form fire
 * for. Records written by the inbound connectors (forms Ticket, User) are readable here too.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import type { AppEnv } from "../http/app-env";
import type { StoredRecord } from "../db/schema";
import { FORM_NAME_PATTERN } from "../records/record-ids";
import { findRecord, listRecords } from "../records/store";
import { resolveFormName } from "../records/form-names";
import type { Alongside, ChangeIntent } from "../records/commit-change";
import { commitWithAttachments } from "../records/attachment-writes";
import type { Upload } from "../records/attachments";
import { requestPorts } from "../http/request-ports";
import { tenantBaseUrl } from "../tenancy/tenant-url";
import { entryWriteHeaders, idempotentEntryWrite } from "./idempotent-entry";
import { checkedEntry } from "../records/form-definitions";
import { actorOf, createdByOf } from "../audit/actor";
import { withUserLifecycleHooks } from "../lifecycle/hooked-intent";
import { entryBody, entryValuesSchema, multipartEntry, multipartEntryContent } from "./entry-multipart";

const SOURCE = "arsys.entry";
/** AR's field 1: on mergeEntry it names the entry to merge into. */
const REQUEST_ID_FIELD = "Request ID";

const auth = () => [authenticate({ scope: "api" })];
const formParam = z.object({ formName: z.string().regex(FORM_NAME_PATTERN, "is not a form name") });
const entryParams = formParam.extend({ entryId: z.string().min(1).max(64) });
const valuesBody = entryValuesSchema;

const linkTo = (href: string) => ({ self: [{ href }] });
const entryView = z.object({
  entryId: z.string(),
  values: z.record(z.string(), z.unknown()),
  _links: z.object({ self: z.array(z.object({ href: z.string() })) }),
});

function entryHref(c: Context<AppEnv>, form: string, entryId?: string): string {
  const base = `${tenantBaseUrl(c)}/api/arsys/v1.0/entry/${encodeURIComponent(form)}`;
  return entryId === undefined ? base : `${base}/${encodeURIComponent(entryId)}`;
}

const toEntryView = (c: Context<AppEnv>, record: StoredRecord) => ({
  entryId: record.id,
  values: record.data,
  _links: linkTo(entryHref(c, record.form, record.id)),
});

async function liveEntry(c: Context<AppEnv>, form: string, entryId: string): Promise<StoredRecord> {
  const record = await findRecord(c.get("data"), c.get("tenant").id, form, entryId);
  if (!record || record.deletedAt !== null) throw new AppError("NOT_FOUND", `No entry '${entryId}' on form '${form}'`);
  return record;
}

/** The form the path names, in the spelling its records use (form names are unique ignoring case). */
const formNamed = (c: Context<AppEnv>, name: string) => resolveFormName(c.get("data"), c.get("tenant").id, name);

/**
 * Commits one entry change on the request's tenant through records/ (which wakes delivery when it appends an
 * event), with the files of a multipart write stored first (records/attachment-writes.ts).
 */
const commitEntry = async (c: Context<AppEnv>, form: string, intent: ChangeIntent, alongside?: Alongside, uploads: readonly Upload[] = []) => {
  // A change to a User first runs the tenant's synchronous lifecycle hooks, as the HR path does: a veto is 422.
  // On a defined form, values are checked and stored under field names (ids and selection labels translated).
  const checked = await checkedEntry(c.get("data"), c.get("tenant").id, form, intent, uploads);
  const hooked = await withUserLifecycleHooks(c.env, c.get("data"), c.get("tenant").id, form, checked.intent);
  const change = { tenantId: c.get("tenant").id, form, source: SOURCE, actor: createdByOf(actorOf(c.get("principal"))), intent: hooked, alongside };
  return commitWithAttachments({ ...requestPorts(c), attachments: c.env.ATTACHMENTS }, change, checked.uploads);
};

/** The entry a create or update carries: a multipart one (values and files) or the JSON body's values. */
const entryInput = (c: Context<AppEnv>, json: () => { values: Record<string, unknown> }) => multipartEntry(c.req.raw) ?? { values: json().values, uploads: [] };

/**
 * JSON, or AR's multipart form with files. Not `required` for the validator: a multipart body has no JSON for
 * it to check, and entryBody() already refuses a request with neither (415).
 */
const entryRequestBody = { required: false, content: { "application/json": { schema: valuesBody }, ...multipartEntryContent } } as unknown as {
  // The multipart schema is documentation only (not zod): typed as the JSON alone, so c.req.valid("json") stays typed.
  required: false;
  content: { "application/json": { schema: typeof valuesBody } };
};

/** A retry-safe write: an Idempotency-Key header makes a publisher's retry answer the first write's entry. */
const idempotencyHeader = z.object({ "idempotency-key": z.string().optional() });
const writtenResponse = (description: string) => ({
  description,
  headers: z.object({ Location: z.string(), "Idempotent-Replayed": z.literal("true").optional() }),
});

/** mergeEntry: the entry its Request ID names is updated while it is live; otherwise a new entry is created. */
async function mergeIntent(c: Context<AppEnv>, form: string, requestId: unknown, values: Record<string, unknown>): Promise<ChangeIntent> {
  const target = typeof requestId === "string" ? await findRecord(c.get("data"), c.get("tenant").id, form, requestId) : null;
  return target && target.deletedAt === null ? { kind: "update", id: target.id, patch: values, type: "merge" } : { kind: "create", data: values, type: "merge" };
}

const create = createRoute({
  method: "post",
  path: "/api/arsys/v1.0/entry/{formName}",
  operationId: "createEntry",
  summary: "Create an entry on a form (AR System)",
  middleware: [...auth(), entryBody()],
  request: { params: formParam, headers: idempotencyHeader, body: entryRequestBody },
  responses: { 201: writtenResponse("Created (or replayed: Idempotent-Replayed: true); Location names the entry"), ...errors },
});

const list = createRoute({
  method: "get",
  path: "/api/arsys/v1.0/entry/{formName}",
  operationId: "listEntries",
  summary: "List a form's entries (AR System)",
  middleware: auth(),
  request: {
    params: formParam,
    query: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) }),
  },
  responses: {
    200: {
      description: "Live entries of the form",
      content: { "application/json": { schema: z.object({ entries: z.array(entryView), _links: z.object({ self: z.array(z.object({ href: z.string() })) }) }) } },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const read = createRoute({
  method: "get",
  path: "/api/arsys/v1.0/entry/{formName}/{entryId}",
  operationId: "getEntry",
  summary: "Read an entry (AR System)",
  middleware: auth(),
  request: { params: entryParams },
  responses: { 200: { description: "The entry", content: { "application/json": { schema: entryView } } }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const replace = createRoute({
  method: "put",
  path: "/api/arsys/v1.0/entry/{formName}/{entryId}",
  operationId: "replaceEntry",
  summary: "Update an entry's fields (AR System)",
  middleware: [...auth(), entryBody()],
  request: { params: entryParams, body: entryRequestBody },
  responses: { 204: { description: "Updated (an update event lists only the changed fields)" }, ...errors },
});

const remove = createRoute({
  method: "delete",
  path: "/api/arsys/v1.0/entry/{formName}/{entryId}",
  operationId: "deleteEntry",
  summary: "Delete an entry (AR System)",
  middleware: auth(),
  request: { params: entryParams },
  responses: { 204: { description: "Deleted" }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const merge = createRoute({
  method: "post",
  path: "/api/arsys/v1.0/mergeEntry/{formName}",
  operationId: "mergeEntry",
  summary: "Create or update an entry by its key fields (AR System)",
  middleware: [...auth(), jsonBody()],
  request: { params: formParam, headers: idempotencyHeader, body: { required: true, content: { "application/json": { schema: valuesBody } } } },
  responses: { 201: writtenResponse("Merged (or replayed: Idempotent-Replayed: true); Location names the entry"), ...errors },
});

export const entryRoutes = newRouter()
  .openapi(create, async (c) => {
    const formName = await formNamed(c, c.req.valid("param").formName);
    const { values, uploads } = entryInput(c, () => c.req.valid("json"));
    const write = await idempotentEntryWrite(c, formName, (alongside) => commitEntry(c, formName, { kind: "create", data: values }, alongside, uploads));
    return c.body(null, 201, entryWriteHeaders(entryHref(c, formName, write.entryId), write));
  })
  .openapi(list, async (c) => {
    const formName = await formNamed(c, c.req.valid("param").formName);
    const { offset, limit } = c.req.valid("query");
    const page = await listRecords(c.get("data"), c.get("tenant").id, formName, { limit, offset });
    return c.json({ entries: page.items.map((record) => toEntryView(c, record)), _links: linkTo(entryHref(c, formName)) }, 200);
  })
  .openapi(read, async (c) => {
    const { entryId } = c.req.valid("param");
    const formName = await formNamed(c, c.req.valid("param").formName);
    return c.json(toEntryView(c, await liveEntry(c, formName, entryId)), 200);
  })
  .openapi(replace, async (c) => {
    const { formName, entryId } = c.req.valid("param");
    const { values, uploads } = entryInput(c, () => c.req.valid("json"));
    await commitEntry(c, formName, { kind: "update", id: entryId, patch: values }, undefined, uploads);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { formName, entryId } = c.req.valid("param");
    await commitEntry(c, formName, { kind: "delete", id: entryId });
    return c.body(null, 204);
  })
  .openapi(merge, async (c) => {
    const formName = await formNamed(c, c.req.valid("param").formName);
    const { [REQUEST_ID_FIELD]: requestId, ...values } = c.req.valid("json").values;
    const write = await idempotentEntryWrite(c, formName, async (alongside) =>
      commitEntry(c, formName, await mergeIntent(c, formName, requestId, values), alongside),
    );
    return c.body(null, 201, entryWriteHeaders(entryHref(c, formName, write.entryId), write));
  });
