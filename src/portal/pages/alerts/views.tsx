/**
 * The alerts page's markup: the tenant's recent operational events as a table, and its operational webhook —
 * where the same events are sent — with a small form to set, remove it or rotate its signing secret.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import type { ApiError } from "../../api-client";
import { CsrfField, portalPath } from "../../layout";
import { ActionButton, CopyField, DataTable, FormError, formatTime } from "../../components";
import { operationalEventTypes } from "../../../db/schema";
import { EVENT_TYPE_LABELS, EventSummary } from "./summary";

export interface OperationalEventView {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface OperationalWebhookView {
  url: string;
  events: string[];
  createdAt: string;
  updatedAt: string;
}

/** The webhook form as typed (kept on a refused save). */
export interface OperationalWebhookForm {
  url: string;
  events: string[];
}

export interface AlertsPageState {
  events: { ok: true; items: OperationalEventView[] } | { ok: false; error: ApiError };
  /** null: none configured; an error: could not tell. */
  webhook: OperationalWebhookView | null | ApiError;
  form?: OperationalWebhookForm;
  formError?: ApiError;
  /** A signing secret just made (first save, rotation): shown this once. */
  newSecret?: string;
}

export const ALERTS_LIMIT = 50;

const isError = (value: OperationalWebhookView | ApiError): value is ApiError => "code" in value;

export function EventTable(props: { c: Context<PortalEnv>; items: OperationalEventView[] }) {
  const { c, items } = props;
  return (
    <DataTable
      caption="Operational events"
      headers={["Time", "Event", "Summary"]}
      rows={items.length}
      empty="No operational events yet. Dead letters, blocked streams, disabled subscriptions, opened circuit breakers, recoveries and failing lifecycle hooks show up here."
    >
      {items.map((item) => (
        <tr>
          <td>{formatTime(item.timestamp)}</td>
          <td>
            {EVENT_TYPE_LABELS[item.type] ?? item.type}
            <br />
            <code class="hint">{item.type}</code>
          </td>
          <td>
            <EventSummary data={item.data} portalPath={(path) => portalPath(c, path)} />
            <details>
              <summary>Data</summary>
              <pre>{JSON.stringify(item.data, null, 2)}</pre>
            </details>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

function WebhookStatus(props: { webhook: OperationalWebhookView | null | ApiError }) {
  const { webhook } = props;
  if (webhook === null) return <p id="operational-webhook-status">No operational webhook is set: these events are only listed here.</p>;
  if (isError(webhook)) return <p id="operational-webhook-status" role="alert" class="flash error">{`Could not read the operational webhook: ${webhook.message} (${webhook.code})`}</p>;
  const all = operationalEventTypes.every((type) => webhook.events.includes(type));
  return (
    <p id="operational-webhook-status">
      {"These events are also sent to "}
      <code>{webhook.url}</code>
      {`, ${all ? "all types" : webhook.events.join(", ")} (Standard Webhooks-signed; updated ${formatTime(webhook.updatedAt)}).`}
    </p>
  );
}

export function OperationalWebhookSection(props: { c: Context<PortalEnv>; state: AlertsPageState }) {
  const { c, state } = props;
  const csrf = c.get("session").csrf;
  const configured = state.webhook !== null && !isError(state.webhook) ? state.webhook : null;
  const form = state.form ?? { url: configured?.url ?? "", events: configured?.events ?? [...operationalEventTypes] };
  return (
    <section aria-labelledby="operational-webhook">
      <h2 id="operational-webhook">Operational webhook</h2>
      <WebhookStatus webhook={state.webhook} />
      {state.newSecret ? (
        <div role="status">
          <CopyField id="operational-webhook-secret" label="Signing secret (shown once)" value={state.newSecret} />
          <p class="hint">Copy it to your receiver now to verify the webhook-signature header; the portal does not show it again.</p>
        </div>
      ) : null}
      <form method="post" action={portalPath(c, "/alerts/webhook")} class="stack" novalidate>
        <CsrfField token={csrf} />
        <FormError error={state.formError} />
        <div>
          <label for="operational-webhook-url">Webhook URL</label>
          <input id="operational-webhook-url" name="url" type="url" value={form.url} required aria-describedby="operational-webhook-url-hint" />
          <p class="hint" id="operational-webhook-url-hint">Where operational events are sent: the same rules as a subscription's callback URL.</p>
        </div>
        <fieldset>
          <legend>Events to send</legend>
          {operationalEventTypes.map((type) => (
            <div class="check">
              <input type="checkbox" id={`operational-event-${type}`} name="events" value={type} checked={form.events.includes(type)} />
              <label for={`operational-event-${type}`}>{EVENT_TYPE_LABELS[type] ?? type}</label>
            </div>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">Save operational webhook</button>
        </div>
      </form>
      {configured ? (
        <div class="actions">
          <ActionButton action={portalPath(c, "/alerts/webhook/rotate-secret")} csrf={csrf} label="Rotate signing secret" confirm="Rotate the signing secret? The current one keeps signing for 24 hours." />
          <ActionButton action={portalPath(c, "/alerts/webhook/delete")} csrf={csrf} label="Delete operational webhook" danger confirm="Delete the operational webhook? Events are then only listed here." />
        </div>
      ) : null}
    </section>
  );
}
