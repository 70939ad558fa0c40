/**
 * Seed 000 HR webhooks: POST /v5.0/mgmt/api/v1.0/webhooks/provisioning/{plugin_id}/adduser|modifyuser|deleteuser.
 * Each provisioning destination keeps its users on form `User`, keyed by (destination, employee_id):
 * - adduser creates (201); the same employee again with identical data is a 201 replay, with other data 409;
 * - modifyuser stores the diff (201 with an `update` event listing only changed fields; 200 when nothing changed);
 * - deleteuser terminates: a soft delete with a `delete` event (201; 200 when already terminated).
 * Unknown employees are 404, and so are unknown, deleted or foreign plugin_ids. Before a create or an update
 * is committed, the tenant's synchronous lifecycle hooks (validateUser, preCreateUser, ...) may modify the
 * user or reject the change (422 HOOK_REJECTED, nothing stored).
 */
import { changeActorOf } from "../../audit/actor";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors, isoTime, inboundErrors } from "../../http/openapi-app";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import { AppError } from "../../runtime/errors";
import type { AppEnv } from "../../http/app-env";
import { acceptedLogRow, markLogCommitted } from "../inbound-log";
import { inboundGate, limitTenant } from "../rate-limit";
import type { StoredRecord } from "../../db/schema";
import { commitChange, type ChangeIntent, type RecordChange } from "../../records/commit-change";
import { findRecordByKey, type RecordKey } from "../../records/record-keys";
import { upsertByKey } from "../../records/upsert-by-key";
import { requestPorts } from "../../http/request-ports";
import { applyPatch, changedFields } from "../../records/diff";
import { recordUrl } from "../../records/record-view";
import { tenantBaseUrl } from "../../tenancy/tenant-url";
import { HR_ACTIONS, type HrAction } from "./provisioning-destinations";
import { findDestination } from "./destination-store";
import { readHrRequest, type HrRequest } from "./hr-request";
import { runSyncLifecycleHooks, type LifecycleWarning } from "../../lifecycle/sync-hooks";

const hrResponse = z
  .object({
    id: z.string(),
    form: z.string(),
    employee_id: z.string(),
    url: z.string(),
    version: z.number().int(),
    eventSeq: z.number().int().nullable(),
    changedFields: z.array(z.string()),
    terminatedAt: z.string().nullable(),
    idsOnly: z.boolean(),
    warnings: z.array(z.object({ hook: z.string(), message: z.string() })),
    missing: z.array(z.string()).optional(),
    message: z.string().optional(),
  })
  .openapi("HrWebhookResult");

const hrRoute = createRoute({
  method: "post",
  path: "/v5.0/mgmt/api/v1.0/webhooks/provisioning/{plugin_id}/{action}",
  operationId: "receiveHrProvisioning",
  summary: "HR webhooks (seed 000): adduser, modifyuser, deleteuser for a provisioning destination",
  middleware: [...inboundGate("hr.provisioning"), authenticate({ scope: "hr" }), limitTenant(), jsonBody()],
  request: {
    params: z.object({ plugin_id: z.string().min(1).max(64), action: z.enum(HR_ACTIONS) }),
    // The body's shape depends on the destination's type (generic or Paylocity): it is validated in the handler.
    body: { required: true, content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
  },
  responses: {
    200: { description: "Nothing changed (no event)", content: { "application/json": { schema: hrResponse } } },
    201: { description: "Stored (or replayed, with Idempotent-Replayed: true)", content: { "application/json": { schema: hrResponse } } },
    ...errors,
    ...inboundErrors,
  },
});

interface Outcome {
  change: RecordChange;
  status: 200 | 201;
  replayed?: boolean;
  warnings?: LifecycleWarning[];
}

function render(c: Context<AppEnv>, request: HrRequest, { change, status, replayed, warnings = [] }: Outcome) {
  const { record, event } = change;
  c.set("recordId", record.id);
  const body: z.infer<typeof hrResponse> = {
    id: record.id,
    form: record.form,
    employee_id: request.employeeId,
    url: recordUrl(tenantBaseUrl(c), record.form, record.id),
    version: record.version,
    eventSeq: event?.seq ?? null,
    changedFields: event?.changedFields ?? [],
    terminatedAt: record.deletedAt === null ? null : isoTime(record.deletedAt),
    idsOnly: request.idsOnly !== null,
    warnings,
  };
  if (request.idsOnly) {
    body.missing = request.idsOnly.missing;
    body.message = `Paylocity sent only ids for this ${request.idsOnly.eventType}: the event is stored with them; fetch the employee's details from Paylocity`;
  }
  return c.json(body, status, replayed ? { "Idempotent-Replayed": "true" } : {});
}

/** adduser: a new employee is created (after the tenant's hooks); a known one is a replay when identical, else a conflict. */
async function addUser(c: Context<AppEnv>, key: RecordKey, form: string, request: HrRequest, source: string): Promise<Outcome> {
  const data = { employee_id: request.employeeId, ...request.fields };
  let warnings: LifecycleWarning[] = [];
  const change = await upsertByKey(requestPorts(c), {
    tenantId: key.tenantId,
    form,
    source,
    actor: changeActorOf(c.get("principal")),
    now: Date.now(),
    keys: [{ scope: key.scope, key: key.key }],
    decide: async ({ record }) => {
      if (record) {
        if (changedFields(record.data, data).length === 0) return { keep: record };
        throw new AppError("CONFLICT", `Employee '${request.employeeId}' already exists with other data; use modifyuser to change it`);
      }
      const hooked = await runSyncLifecycleHooks(c.env, key.tenantId, "create", data);
      warnings = hooked.warnings;
      return { intent: { kind: "create", data: hooked.user } };
    },
    // A new user's batch carries this request's accepted log row (one D1 write instead of two).
    alongside: (recordId, intent) => (intent?.kind === "create" ? [acceptedLogRow(c, recordId)] : []),
  });
  if (!change.event) return { change, status: 201, replayed: true };
  markLogCommitted(c);
  return { change, status: 201, warnings };
}

async function liveUser(c: Context<AppEnv>, key: RecordKey, employeeId: string): Promise<StoredRecord> {
  const known = await findRecordByKey(c.get("data"), key);
  if (!known) throw new AppError("NOT_FOUND", `No employee '${employeeId}' for this provisioning destination`);
  return known;
}

const commitUserChange = (c: Context<AppEnv>, known: StoredRecord, source: string, intent: ChangeIntent): Promise<RecordChange> =>
  commitChange(requestPorts(c), { tenantId: known.tenantId, form: known.form, source, actor: changeActorOf(c.get("principal")), intent });

async function modifyUser(c: Context<AppEnv>, key: RecordKey, request: HrRequest, source: string): Promise<Outcome> {
  const known = await liveUser(c, key, request.employeeId);
  if (known.deletedAt !== null) throw new AppError("NOT_FOUND", `Employee '${request.employeeId}' is terminated`);
  const patch = request.idsOnly ? { ...request.fields, paylocity_changed_at: new Date().toISOString() } : request.fields;
  const after = applyPatch(known.data, patch);
  if (changedFields(known.data, after).length === 0) return { change: { record: known, event: null }, status: 200 };
  // The tenant validates the user as it will be; what its hooks return is what gets stored.
  const hooked = await runSyncLifecycleHooks(c.env, key.tenantId, "update", after);
  const removed = Object.fromEntries(Object.keys(known.data).filter((field) => !(field in hooked.user)).map((field) => [field, null]));
  const change = await commitUserChange(c, known, source, { kind: "update", id: known.id, patch: { ...removed, ...hooked.user } });
  return { change, status: change.event ? 201 : 200, warnings: hooked.warnings };
}

async function deleteUser(c: Context<AppEnv>, key: RecordKey, request: HrRequest, source: string): Promise<Outcome> {
  const known = await liveUser(c, key, request.employeeId);
  if (known.deletedAt !== null) return { change: { record: known, event: null }, status: 200 };
  return { change: await commitUserChange(c, known, source, { kind: "delete", id: known.id }), status: 201 };
}

export const hrProvisioningRoutes = newRouter().openapi(hrRoute, async (c) => {
  const { plugin_id, action } = c.req.valid("param");
  const tenantId = c.get("tenant").id;
  const destination = await findDestination(c.get("db"), tenantId, plugin_id);
  const request = readHrRequest(destination.type, action as HrAction, c.req.valid("json"));
  const key: RecordKey = { tenantId, scope: `hr:${destination.id}`, key: request.employeeId };
  const source = `hr.${destination.type}.${action}`;
  const outcome =
    action === "adduser"
      ? await addUser(c, key, destination.form, request, source)
      : action === "modifyuser"
        ? await modifyUser(c, key, request, source)
        : await deleteUser(c, key, request, source);
  return render(c, request, outcome);
});
