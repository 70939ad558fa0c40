/**
 * Dead letters: deliveries that ran out of attempts (status `dead`, blocked heads included), with bulk
 * replay. Replays go one by one through the delivery API, oldest event first, so a receiver sees them in
 * the order the events happened; failures are reported by delivery id.
 */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { CsrfField, portalPath, renderPage } from "../layout";
import { DataTable, StatusBadge, formatTime } from "../components";
import type { DeliveryView } from "../../delivery/delivery-view";

const ACTIVE = "/dead-letters";
const PAGE_SIZE = 100;

export const deadLettersPage = new Hono<PortalEnv>()
  .get("/dead-letters", async (c) => {
    const cursor = c.req.query("cursor") ?? "";
    const list = await c.get("api").get<{ items: DeliveryView[]; nextCursor: number | null }>("/api/v1/deliveries", { status: "dead", cursor, limit: PAGE_SIZE });
    const items = list.ok ? list.body.items : [];
    const nextCursor = list.ok ? list.body.nextCursor : null;
    const deliveryHref = (id: string) => portalPath(c, `/deliveries/${encodeURIComponent(id)}`);
    const body = (
      <>
        {list.ok ? null : <p role="alert" class="flash error">{`${list.error.message} (${list.error.code})`}</p>}
        <p class="hint">Deliveries that failed every attempt. Replaying one sends the same event again as a new delivery.</p>
        {items.length === 0 ? (
          <p class="empty">No dead letters.</p>
        ) : (
          <form method="post" action={portalPath(c, "/dead-letters/replay")}>
            <CsrfField token={c.get("session").csrf} />
            <div class="actions">
              <div class="check">
                <input type="checkbox" id="select-all" data-select-all="delivery" />
                <label for="select-all">Select all</label>
              </div>
              <button type="submit" class="primary">Replay selected</button>
            </div>
            <DataTable caption="Dead letters" headers={["Select", "Delivery", "Event seq", "Subscription", "Status", "Attempts", "Last response", "Last error", "Updated"]} rows={items.length}>
              {items.map((item, index) => (
                <tr>
                  <td>
                    <input type="checkbox" id={`delivery-${index}`} name="delivery" value={item.id} />
                    <label for={`delivery-${index}`} class="sr-only">{`Select ${item.id}`}</label>
                  </td>
                  <td><a href={deliveryHref(item.id)}><code>{item.id}</code></a></td>
                  <td>{item.eventSeq}</td>
                  <td><a href={portalPath(c, `/subscriptions/${encodeURIComponent(item.subscriptionId)}`)}><code>{item.subscriptionId}</code></a></td>
                  <td><StatusBadge status={item.status} /></td>
                  <td>{item.attempts}</td>
                  <td>{item.lastStatus ?? "—"}</td>
                  <td>{item.lastError ?? "—"}</td>
                  <td>{formatTime(item.updatedAt)}</td>
                </tr>
              ))}
            </DataTable>
          </form>
        )}
        {nextCursor !== null ? (
          <p class="actions">
            <a href={`${portalPath(c, "/dead-letters")}?cursor=${nextCursor}`} rel="next">Newer →</a>
          </p>
        ) : null}
      </>
    );
    return renderPage(c, { title: "Dead letters", active: ACTIVE, body });
  })
  .post("/dead-letters/replay", async (c) => {
    const api = c.get("api");
    const form = await c.req.parseBody({ all: true });
    const raw = form["delivery"];
    const ids = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((value): value is string => typeof value === "string"))];
    const url = new URL(portalPath(c, "/dead-letters"), c.req.url);
    if (ids.length === 0) {
      url.searchParams.set("error", "Select at least one delivery to replay.");
      return c.redirect(url.pathname + url.search, 303);
    }
    const failures: string[] = [];
    // Look each one up first: its event seq gives the replay order, and an unknown id fails before anything is sent.
    const found: DeliveryView[] = [];
    for (const id of ids) {
      const delivery = await api.get<DeliveryView>(`/api/v1/deliveries/${encodeURIComponent(id)}`);
      if (delivery.ok) found.push(delivery.body);
      else failures.push(`${id}: ${delivery.error.message} (${delivery.error.code})`);
    }
    found.sort((a, b) => a.eventSeq - b.eventSeq || a.position - b.position);
    let replayed = 0;
    for (const delivery of found) {
      const result = await api.send<DeliveryView>("POST", `/api/v1/deliveries/${encodeURIComponent(delivery.id)}/replay`);
      if (result.ok) replayed++;
      else failures.push(`${delivery.id}: ${result.error.message} (${result.error.code})`);
    }
    url.searchParams.set("notice", `Replayed ${replayed} ${replayed === 1 ? "delivery" : "deliveries"}.`);
    // Bounded so a large selection cannot make the redirect URL too long.
    const listed = failures.slice(0, 20).join("; ") + (failures.length > 20 ? `; and ${failures.length - 20} more` : "");
    if (failures.length > 0) url.searchParams.set("error", `Not replayed: ${listed}`);
    return c.redirect(url.pathname + url.search, 303);
  });
