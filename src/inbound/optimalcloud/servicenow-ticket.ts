/**
 * Seed 000 ServiceNow TICKETS webhook: POST /v5.0/mgmt/api/v1.0/webhooks/helpdesk/servicenow.
 * Normalises ServiceNow's labels and codes (servicenow-fields.ts), keeps the raw values, and is idempotent on
 * the incident: the same sys_id (else number) again is a 201 replay of the same ticket, and a changed body
 * updates that ticket with an `update` event listing only the changed fields.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors, inboundErrors } from "../../http/openapi-app";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import type { AppEnv } from "../../http/app-env";
import { acceptedLogRow, markLogCommitted } from "../inbound-log";
import { inboundGate } from "../rate-limit";
import { createRecord, updateRecord, type RecordChange } from "../../records/store";
import { findRecordByKey, isUniqueViolation, linkRecordKey, type RecordKey } from "../../records/record-keys";
import { changedFields } from "../../records/diff";
import { nudgeDelivery } from "../../delivery/nudge";
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
  summary: "ServiceNow TICKETS webhook (seed 000)",
  middleware: [...inboundGate(SOURCE), authenticate({ scope: "tickets" }), jsonBody()],
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

async function respond(c: Context<AppEnv>, change: RecordChange, replayed: boolean) {
  c.set("recordId", change.record.id);
  if (change.event) c.executionCtx.waitUntil(nudgeDelivery(c.env, c.get("tenant").id));
  return c.json(ticketCreatedBody(c, change), 201, replayed ? { "Idempotent-Replayed": "true" } : {});
}

export const serviceNowRoutes = newRouter().openapi(serviceNow, async (c) => {
  const ticket = c.req.valid("json") as ServiceNowTicket;
  const tenantId = c.get("tenant").id;
  const db = c.get("db");
  const data = ticketData(ticket);
  const externalKey = serviceNowIdempotencyKey(ticket);
  const recordKey: RecordKey | null = externalKey === null ? null : { tenantId, scope: KEY_SCOPE, key: externalKey };

  const updateKnown = async () => {
    const known = recordKey && (await findRecordByKey(db, recordKey));
    if (!known) return null;
    if (changedFields(known.data, { ...known.data, ...data }).length === 0) return respond(c, { record: known, event: null }, true);
    return respond(c, await updateRecord(db, { tenantId, form: TICKET_FORM, id: known.id, source: SOURCE, patch: data }), false);
  };

  const updated = await updateKnown();
  if (updated) return updated;
  try {
    const change = await createRecord(db, { tenantId, form: TICKET_FORM, source: SOURCE, data }, (recordId) => [
      acceptedLogRow(c, recordId),
      ...(recordKey ? [linkRecordKey(db, recordKey, TICKET_FORM, recordId)] : []),
    ]);
    markLogCommitted(c);
    return respond(c, change, false);
  } catch (error) {
    // The same incident arrived twice at once: the other request created it; apply this one to it.
    const raced = isUniqueViolation(error) ? await updateKnown() : null;
    if (raced) return raced;
    throw error;
  }
});
