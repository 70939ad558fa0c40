/**
 * Seed 000 ServiceNow TICKETS webhook: POST /v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow.
 * Normalises ServiceNow's labels and codes (servicenow-fields.ts), keeps the raw values, and is idempotent on
 * the incident: the same sys_id (else number) again is a 201 replay of the same ticket, and a changed body
 * updates that ticket with an `update` event listing only the changed fields.
 */
import { changeActorOf } from "../../audit/actor";
import { createRoute } from "@hono/zod-openapi";
import { newRouter, errors, inboundErrors } from "../../http/openapi-app";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import { acceptedLogRow, markLogCommitted } from "../inbound-log";
import { inboundGate, limitTenant } from "../rate-limit";
import { commitChange, type ChangeIntent, type RecordChange, type SQLRecordId } from "../../records/commit-change";
import { upsertByKey, type Decision, type Found } from "../../records/upsert-by-key";
import { changedFields } from "../../records/diff";
import { requestPorts } from "../../http/request-ports";
import type { RecordData } from "../../db/schema";
import { firstComment } from "./first-comment";
import { serviceNowIdempotencyKey, serviceNowTicketSchema, type ServiceNowTicket } from "./servicenow-fields";
import { ticketCreatedBody, ticketCreatedSchema } from "./ticket-response";
import { TICKET_FORM } from "./create-ticket";

const SOURCE = "helpdesk.servicenow";
const KEY_SCOPE = "servicenow";

const serviceNow = createRoute({
  method: "post",
  path: "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow",
  operationId: "receiveServiceNowTicket",
  summary: "ServiceNow TICKETS webhook (seed 000)",
  middleware: [...inboundGate(SOURCE), authenticate({ scope: "tickets" }), limitTenant(), jsonBody()],
  request: { body: { required: true, content: { "application/json": { schema: serviceNowTicketSchema } } } },
  responses: {
    201: { description: "Ticket created, updated, or replayed (Idempotent-Replayed: true)", content: { "application/json": { schema: ticketCreatedSchema } } },
    ...errors,
    429: inboundErrors[429],
  },
});

/** The Ticket record for an incident: title from short_description, every other field in the first comment. */
export function ticketData(ticket: ServiceNowTicket): RecordData {
  const { requester_email, short_description, servicenow_raw, ...others } = ticket;
  return { ...ticket, title: short_description, status: ticket.state ?? "new", first_comment: firstComment({ ...others }) };
}

/** An incident already stored is updated with what changed, or replayed when nothing did; a new one is created. */
function decide(data: RecordData, { record }: Found): Promise<Decision> {
  if (!record) return Promise.resolve({ intent: { kind: "create", data } });
  if (changedFields(record.data, { ...record.data, ...data }).length === 0) return Promise.resolve({ keep: record });
  return Promise.resolve({ intent: { kind: "update", id: record.id, patch: data } });
}

export const serviceNowRoutes = newRouter().openapi(serviceNow, async (c) => {
  const ticket = c.req.valid("json") as ServiceNowTicket;
  const tenantId = c.get("tenant").id;
  const data = ticketData(ticket);
  const externalKey = serviceNowIdempotencyKey(ticket);
  // A new ticket's batch carries this request's accepted log row (one D1 write instead of two).
  const logRow = (recordId: SQLRecordId, intent: ChangeIntent | null) => (intent?.kind === "create" ? [acceptedLogRow(c, recordId)] : []);
  const write = { tenantId, form: TICKET_FORM, source: SOURCE, actor: changeActorOf(c.get("principal")) };
  const change: RecordChange =
    externalKey === null
      ? await commitChange(requestPorts(c), { ...write, intent: { kind: "create", data }, alongside: (recordId) => logRow(recordId, { kind: "create", data }) })
      : await upsertByKey(requestPorts(c), { ...write, now: Date.now(), keys: [{ scope: KEY_SCOPE, key: externalKey }], decide: (found) => decide(data, found), alongside: logRow });
  if (change.event?.type === "create") markLogCommitted(c);
  c.set("recordId", change.record.id);
  return c.json(ticketCreatedBody(c, change), 201, change.event === null ? { "Idempotent-Replayed": "true" } : {});
});
