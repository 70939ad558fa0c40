/**
 * Deliveries: the tenant's outbound deliveries in stream order, filtered by subscription and status, and one
 * delivery with its attempts (time, duration, status, error, response excerpt), replay and skip. Everything
 * goes through the delivery API (src/delivery/routes.ts).
 */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, redirectWith, renderPage } from "../layout";
import { ActionButton, DataTable, StatusBadge, formatTime } from "../components";
import type { ApiError } from "../api-client";
import type { WebhookView } from "../../arsys/webhook-view";
import type { DeliveryView } from "../../delivery/delivery-view";
import { deliveryStatuses } from "../../delivery/delivery-tables";

const ACTIVE = "/deliveries";
const STATUSES = [...deliveryStatuses, "blocked"] as const;
const RESPONSE_EXCERPT_BYTES = 1024;

interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

const errorText = (error: ApiError) => `${error.message} (${error.code})`;
export const deliveryPath = (id: string) => `/deliveries/${encodeURIComponent(id)}`;
const deliveryApiPath = (id: string, suffix = "") => `/api/v1/deliveries/${encodeURIComponent(id)}${suffix}`;

export const deliveriesPage = new Hono<PortalEnv>()
  .get("/deliveries", async (c) => {
    const api = c.get("api");
    const subscription = c.req.query("subscription") ?? "";
    const status = c.req.query("status") ?? "";
    const cursor = c.req.query("cursor") ?? "";
    const [list, subscriptions] = await Promise.all([
      api.get<{ items: DeliveryView[]; nextCursor: number | null }>("/api/v1/deliveries", { subscription, status, cursor, limit: 50 }),
      api.get<{ entries: WebhookView[] }>("/api/arsys/v1.0/webhook", { limit: 500 }),
    ]);
    const items = list.ok ? list.body.items : [];
    const nextCursor = list.ok ? list.body.nextCursor : null;
    const next = new URLSearchParams({ ...(subscription ? { subscription } : {}), ...(status ? { status } : {}), cursor: String(nextCursor) });
    const body = (
      <>
        <form method="get" action={portalPath(c, "/deliveries")} class="filters">
          <div>
            <label for="subscription">Subscription</label>
            <select id="subscription" name="subscription">
              <option value="">All subscriptions</option>
              {(subscriptions.ok ? subscriptions.body.entries : []).map((entry) => (
                <option value={entry.webhook_id} selected={entry.webhook_id === subscription}>
                  {entry.description ? `${entry.webhook_id} · ${entry.description}` : `${entry.webhook_id} · ${entry.form_name}`}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="status">Status</label>
            <select id="status" name="status">
              <option value="">Any status</option>
              {STATUSES.map((value) => <option value={value} selected={value === status}>{value}</option>)}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        {list.ok ? null : <p role="alert" class="flash error">{errorText(list.error)}</p>}
        <DataTable
          caption="Deliveries"
          headers={["Delivery", "Event seq", "Subscription", "Status", "Attempts", "Next attempt", "Last response"]}
          rows={items.length}
          empty="No deliveries match."
        >
          {items.map((item) => (
            <tr>
              <td><a href={portalPath(c, deliveryPath(item.id))}><code>{item.id}</code></a></td>
              <td>{item.eventSeq}</td>
              <td><a href={portalPath(c, `/subscriptions/${encodeURIComponent(item.subscriptionId)}`)}><code>{item.subscriptionId}</code></a></td>
              <td><StatusBadge status={item.status} /></td>
              <td>{item.attempts}</td>
              <td>{formatTime(item.nextAttemptAt)}</td>
              <td>{item.lastStatus ?? (item.lastError ? "error" : "—")}</td>
            </tr>
          ))}
        </DataTable>
        {nextCursor !== null ? (
          <p class="actions">
            <a href={`${portalPath(c, "/deliveries")}?${next.toString()}`} rel="next">Newer →</a>
          </p>
        ) : null}
      </>
    );
    return renderPage(c, { title: "Deliveries", active: ACTIVE, body, status: list.ok ? 200 : 400 });
  })
  .get("/deliveries/:id", async (c) => {
    const id = c.req.param("id");
    const found = await c.get("api").get<DeliveryView & { attemptLog: Attempt[] }>(deliveryApiPath(id));
    if (!found.ok) {
      return renderPage(c, {
        title: "Delivery",
        active: ACTIVE,
        status: found.status === 404 ? 404 : 400,
        body: (
          <>
            <p role="alert" class="flash error">{errorText(found.error)}</p>
            <p><a href={portalPath(c, "/deliveries")}>Back to deliveries</a></p>
          </>
        ),
      });
    }
    const delivery = found.body;
    const csrf = c.get("session").csrf;
    const body = (
      <>
        <p><a href={`${portalPath(c, "/deliveries")}?subscription=${encodeURIComponent(delivery.subscriptionId)}`}>← Deliveries of this subscription</a></p>
        <dl class="facts">
          <dt>Id</dt>
          <dd><code>{delivery.id}</code></dd>
          <dt>Status</dt>
          <dd><StatusBadge status={delivery.status} /></dd>
          <dt>Subscription</dt>
          <dd><a href={portalPath(c, `/subscriptions/${encodeURIComponent(delivery.subscriptionId)}`)}><code>{delivery.subscriptionId}</code></a></dd>
          <dt>Stream</dt>
          <dd><code>{delivery.stream}</code></dd>
          <dt>Event seq</dt>
          <dd>{delivery.eventSeq}</dd>
          <dt>Attempts</dt>
          <dd>{delivery.attempts}</dd>
          <dt>Next attempt</dt>
          <dd>{formatTime(delivery.nextAttemptAt)}</dd>
          <dt>Last response</dt>
          <dd>{delivery.lastStatus ?? "—"}</dd>
          {delivery.lastError ? (
            <>
              <dt>Last error</dt>
              <dd>{delivery.lastError}</dd>
            </>
          ) : null}
          {delivery.replayOf ? (
            <>
              <dt>Replay of</dt>
              <dd><a href={portalPath(c, deliveryPath(delivery.replayOf))}><code>{delivery.replayOf}</code></a></dd>
            </>
          ) : null}
          <dt>Created</dt>
          <dd>{formatTime(delivery.createdAt)}</dd>
        </dl>
        <div class="actions">
          <ActionButton action={portalPath(c, deliveryPath(delivery.id) + "/replay")} csrf={csrf} label="Replay" />
          <ActionButton action={portalPath(c, deliveryPath(delivery.id) + "/skip")} csrf={csrf} label="Skip" confirm="Skip this delivery? It will not be sent again." />
        </div>
        <p class="hint">Replay sends the same event again as a new delivery. Skip gives up on a pending or blocked delivery so its stream moves on.</p>
        <h2>Attempts</h2>
        <DataTable caption="Attempts" headers={["#", "Time", "Duration", "Status", "Error", "Response body"]} rows={delivery.attemptLog.length} empty="No attempts yet.">
          {delivery.attemptLog.map((attempt) => (
            <tr>
              <td>{attempt.attempt}</td>
              <td>{formatTime(attempt.startedAt)}</td>
              <td>{`${attempt.durationMs} ms`}</td>
              <td>{attempt.statusCode ?? "—"}</td>
              <td>{attempt.error ?? "—"}</td>
              <td>{attempt.responseExcerpt ? <pre>{attempt.responseExcerpt.slice(0, RESPONSE_EXCERPT_BYTES)}</pre> : "—"}</td>
            </tr>
          ))}
        </DataTable>
      </>
    );
    return renderPage(c, { title: `Delivery ${delivery.id}`, active: ACTIVE, body });
  })
  .post("/deliveries/:id/replay", async (c) => {
    const id = c.req.param("id");
    const replayed = await c.get("api").send<DeliveryView>("POST", deliveryApiPath(id, "/replay"));
    if (!replayed.ok) return redirectWith(c, "/deliveries", { error: errorText(replayed.error) });
    return redirectWith(c, deliveryPath(replayed.body.id), { notice: `Replayed ${id} as ${replayed.body.id}.` });
  })
  .post("/deliveries/:id/skip", async (c) => {
    const id = c.req.param("id");
    const skipped = await c.get("api").send<DeliveryView>("POST", deliveryApiPath(id, "/skip"));
    if (!skipped.ok) return redirectWith(c, skipped.status === 404 ? "/deliveries" : deliveryPath(id), { error: errorText(skipped.error) });
    return redirectWith(c, deliveryPath(id), { notice: `Skipped ${id}.` });
  });
