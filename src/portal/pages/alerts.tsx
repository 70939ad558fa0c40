/**
 * Alerts: the tenant's recent operational events (dead letters, blocked streams, disabled subscriptions, open
 * breakers, recoveries, failing lifecycle hooks), newest first, and its operational webhook. Reads
 * /api/v1/operational-events; the webhook goes through /api/v1/operational-webhook.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, redirectWith, renderPage } from "../layout";
import { operationalEventTypes } from "../../db/schema";
import { ALERTS_LIMIT, EventTable, OperationalWebhookSection, type AlertsPageState, type OperationalEventView, type OperationalWebhookForm, type OperationalWebhookView } from "./alerts/views";

const ACTIVE = "/alerts";
const WEBHOOK = "/api/v1/operational-webhook";

async function renderAlerts(c: Context<PortalEnv>, extras: Omit<AlertsPageState, "events" | "webhook"> = {}, status: 200 | 400 = 200) {
  const api = c.get("api");
  const [events, webhook] = await Promise.all([
    api.get<{ items: OperationalEventView[] }>("/api/v1/operational-events", { limit: ALERTS_LIMIT }),
    api.get<OperationalWebhookView>(WEBHOOK),
  ]);
  const state: AlertsPageState = {
    ...extras,
    events: events.ok ? { ok: true, items: events.body.items } : { ok: false, error: events.error },
    webhook: webhook.ok ? webhook.body : webhook.status === 404 ? null : webhook.error,
  };
  const body = (
    <>
      {/* Rendered by a post (a first save, a rotation, a refused save): reloading should be a GET of this page. */}
      {c.req.method === "POST" ? <div hidden data-canonical-url={portalPath(c, ACTIVE)}></div> : null}
      <p class="hint">{`The ${ALERTS_LIMIT} most recent operational events, newest first; kept as long as the tenant's other delivery records.`}</p>
      {state.events.ok ? <EventTable c={c} items={state.events.items} /> : <p role="alert" class="flash error">{`${state.events.error.message} (${state.events.error.code})`}</p>}
      <OperationalWebhookSection c={c} state={state} />
    </>
  );
  return renderPage(c, { title: "Alerts", active: ACTIVE, body, status });
}

async function formFromRequest(c: Context<PortalEnv>): Promise<OperationalWebhookForm> {
  const body = await c.req.parseBody({ all: true });
  const url = body["url"];
  const raw = body["events"];
  const events = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((value): value is string => typeof value === "string");
  return { url: typeof url === "string" ? url : "", events };
}

/** Every type ticked is "all": left out, so types added later are sent too. */
const webhookBody = (form: OperationalWebhookForm) =>
  operationalEventTypes.every((type) => form.events.includes(type)) ? { url: form.url } : { url: form.url, events: form.events };

export const alertsPage = new Hono<PortalEnv>()
  .get("/alerts", (c) => renderAlerts(c))
  .post("/alerts/webhook", async (c) => {
    const api = c.get("api");
    const form = await formFromRequest(c);
    const before = await api.get<OperationalWebhookView>(WEBHOOK);
    const saved = await api.send<OperationalWebhookView>("PUT", WEBHOOK, webhookBody(form));
    if (!saved.ok) return renderAlerts(c, { form, formError: saved.error }, 400);
    if (before.ok) return redirectWith(c, ACTIVE, { notice: "Operational webhook saved." });
    // The first save made its signing secret: shown on this answer only, never put into a URL.
    const secret = await api.get<{ secret: string }>(`${WEBHOOK}/secret`);
    return renderAlerts(c, secret.ok ? { newSecret: secret.body.secret } : {});
  })
  .post("/alerts/webhook/rotate-secret", async (c) => {
    const rotated = await c.get("api").send<{ secret: string }>("POST", `${WEBHOOK}/secret/rotate`);
    if (!rotated.ok) return redirectWith(c, ACTIVE, { error: `${rotated.error.message} (${rotated.error.code})` });
    return renderAlerts(c, { newSecret: rotated.body.secret });
  })
  .post("/alerts/webhook/delete", async (c) => {
    const deleted = await c.get("api").send("DELETE", WEBHOOK);
    if (!deleted.ok) return redirectWith(c, ACTIVE, { error: `${deleted.error.message} (${deleted.error.code})` });
    return redirectWith(c, ACTIVE, { notice: "Operational webhook deleted." });
  });
