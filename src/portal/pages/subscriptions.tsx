/**
 * Subscriptions: the tenant's AR webhook registrations (list, create, edit, enable/disable, delete) and
 * their delivery controls (send test, rotate the signing secret, replay since). Registrations go through
 * the AR webhook API; tests, secrets, streams and replays through the delivery API.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, redirectWith, renderPage } from "../layout";
import { DataTable, StatusBadge } from "../components";
import type { ApiError } from "../api-client";
import type { WebhookView } from "../../arsys/webhook-view";
import type { StreamView, TestAttempt } from "../../delivery/delivery-view";
import { SubscriptionFormView, emptyForm, formFromRequest, registrationFrom, withoutSecrets, type SubscriptionForm } from "./subscriptions/form";
import { deliveryApiPath, renderSubscriptionDetail, streamSummary, subscriptionApiPath } from "./subscriptions/detail";
import { dryRunEventFromRequest, dryRunTransformation } from "./subscriptions/transformation";

const ACTIVE = "/subscriptions";
const detailPath = (id: string) => `/subscriptions/${encodeURIComponent(id)}`;
/** A redirect's flash has no room for a details list: the field problems go into the sentence. */
const errorText = (error: ApiError) =>
  `${error.message}${error.details?.length ? ` — ${error.details.map((detail) => `${detail.path}: ${detail.message}`).join("; ")}` : ""} (${error.code})`;

function renderNew(c: Context<PortalEnv>, form: SubscriptionForm, error?: ApiError) {
  return renderPage(c, {
    title: "New subscription",
    active: ACTIVE,
    status: error ? 400 : 200,
    body: (
      <>
        <p><a href={portalPath(c, "/subscriptions")}>← All subscriptions</a></p>
        <SubscriptionFormView c={c} action={portalPath(c, "/subscriptions")} form={form} editing={false} error={error} />
      </>
    ),
  });
}

/** Sets `enabled` by saving the registration back as it is (masked secrets keep their stored values). */
async function setEnabled(c: Context<PortalEnv>, enabled: boolean) {
  const id = c.req.param("id") ?? "";
  const api = c.get("api");
  const current = await api.get<WebhookView>(subscriptionApiPath(id));
  if (!current.ok) return redirectWith(c, "/subscriptions", { error: errorText(current.error) });
  const saved = await api.send("PUT", subscriptionApiPath(id), { ...current.body, enabled });
  if (!saved.ok) return redirectWith(c, detailPath(id), { error: errorText(saved.error) });
  return redirectWith(c, detailPath(id), { notice: enabled ? "Subscription enabled." : "Subscription disabled." });
}

export const subscriptionsPage = new Hono<PortalEnv>()
  .get("/subscriptions", async (c) => {
    const api = c.get("api");
    const [list, streams] = await Promise.all([
      api.get<{ entries: WebhookView[] }>("/api/arsys/v1.0/webhook", { limit: 500 }),
      api.get<{ items: StreamView[] }>("/api/v1/streams"),
    ]);
    const entries = list.ok ? list.body.entries : [];
    const streamItems = streams.ok ? streams.body.items : [];
    const body = (
      <>
        <div class="actions">
          <a class="button primary" href={portalPath(c, "/subscriptions/new")}>New subscription</a>
        </div>
        {list.ok ? null : <p role="alert" class="flash error">{errorText(list.error)}</p>}
        <DataTable
          caption="Subscriptions"
          headers={["Id", "Description", "Form name", "Events", "Callback URL", "Ordering", "State", "Breaker"]}
          rows={entries.length}
          empty="No subscriptions yet. Create one to receive AR entry events."
        >
          {entries.map((entry) => {
            const breaker = streamSummary(streamItems, entry.webhook_id).breaker;
            return (
              <tr>
                <td><a href={portalPath(c, detailPath(entry.webhook_id))}><code>{entry.webhook_id}</code></a></td>
                <td>{entry.description ?? "—"}</td>
                <td>{entry.form_name}</td>
                <td>{entry.entry_events.join(", ")}</td>
                <td><code>{entry.callback.url}</code></td>
                <td>{entry.ordering}</td>
                <td>
                  <StatusBadge status={entry.enabled && !entry.disabled_reason ? "enabled" : "disabled"} />
                  {entry.disabled_reason ? <span class="hint">{` ${entry.disabled_reason}`}</span> : null}
                </td>
                <td>{breaker ? <StatusBadge status={breaker} /> : "—"}</td>
              </tr>
            );
          })}
        </DataTable>
      </>
    );
    return renderPage(c, { title: "Subscriptions", active: ACTIVE, body });
  })
  .get("/subscriptions/new", (c) => renderNew(c, emptyForm()))
  .post("/subscriptions", async (c) => {
    const form = await formFromRequest(c);
    const created = await c.get("api").send("POST", "/api/arsys/v1.0/webhook", registrationFrom(form, false));
    if (!created.ok) return renderNew(c, withoutSecrets(form), created.error);
    const id = created.headers.get("location")?.split("/").pop() ?? "";
    return redirectWith(c, detailPath(id), { notice: `Subscription ${id} created.` });
  })
  .get("/subscriptions/:id", (c) => renderSubscriptionDetail(c, c.req.param("id")))
  .post("/subscriptions/:id", async (c) => {
    const id = c.req.param("id");
    const api = c.get("api");
    const form = await formFromRequest(c);
    const current = await api.get<WebhookView>(subscriptionApiPath(id));
    if (!current.ok) return redirectWith(c, "/subscriptions", { error: errorText(current.error) });
    // Enabling and disabling are their own buttons; saving the settings keeps the current state.
    form.enabled = current.body.enabled;
    const saved = await api.send("PUT", subscriptionApiPath(id), registrationFrom(form, true));
    if (!saved.ok) return renderSubscriptionDetail(c, id, { form: withoutSecrets(form), formError: saved.error, status: 400 });
    return redirectWith(c, detailPath(id), { notice: "Subscription saved." });
  })
  .post("/subscriptions/:id/transformation/dry-run", async (c) => {
    // Trying a template before saving it: the form as typed stays on the page, nothing is stored.
    const id = c.req.param("id");
    const [form, eventType] = await Promise.all([formFromRequest(c), dryRunEventFromRequest(c)]);
    const dryRun = await dryRunTransformation(c, id, form.transformation, eventType);
    return renderSubscriptionDetail(c, id, { form: withoutSecrets(form), dryRun, dryRunEvent: eventType, status: dryRun.ok ? 200 : 400 });
  })
  .post("/subscriptions/:id/disable", (c) => setEnabled(c, false))
  .post("/subscriptions/:id/enable", (c) => setEnabled(c, true))
  .post("/subscriptions/:id/test", async (c) => {
    const id = c.req.param("id");
    const tested = await c.get("api").send<TestAttempt>("POST", deliveryApiPath(id, "/test"));
    if (!tested.ok) return redirectWith(c, "/subscriptions", { error: errorText(tested.error) });
    return renderSubscriptionDetail(c, id, { testResult: tested.body });
  })
  .post("/subscriptions/:id/rotate-secret", async (c) => {
    const id = c.req.param("id");
    const rotated = await c.get("api").send<{ key: string; previousKeyExpiresAt: string | null }>("POST", deliveryApiPath(id, "/rotate-secret"));
    if (!rotated.ok) return redirectWith(c, "/subscriptions", { error: errorText(rotated.error) });
    return renderSubscriptionDetail(c, id, { newSecret: rotated.body });
  })
  .post("/subscriptions/:id/replay", async (c) => {
    const id = c.req.param("id");
    const raw = (await c.req.parseBody())["since"];
    const since = typeof raw === "string" ? raw.trim() : "";
    const replayed = await c.get("api").send<{ replayed: number }>("POST", deliveryApiPath(id, "/replay"), { since: /^\d+$/.test(since) ? Number(since) : since });
    if (!replayed.ok) return redirectWith(c, detailPath(id), { error: errorText(replayed.error) });
    return redirectWith(c, `/deliveries?subscription=${encodeURIComponent(id)}`, { notice: `Queued ${replayed.body.replayed} replays since ${since}.` });
  })
  .post("/subscriptions/:id/delete", async (c) => {
    const id = c.req.param("id");
    const deleted = await c.get("api").send("DELETE", subscriptionApiPath(id));
    if (!deleted.ok) return redirectWith(c, "/subscriptions", { error: errorText(deleted.error) });
    return redirectWith(c, "/subscriptions", { notice: `Subscription ${id} deleted.` });
  });
