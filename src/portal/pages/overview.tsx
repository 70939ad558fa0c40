/**
 * Overview: the last hour at a glance (events, delivery attempts and their success rate, a 5-minute chart)
 * and the delivery streams that need attention (behind, breaker not closed, or blocked on a dead letter).
 * Reads GET /api/v1/stats and GET /api/v1/streams.
 */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, renderPage } from "../layout";
import { DataTable, StatusBadge } from "../components";
import type { StreamView } from "../../delivery/delivery-view";
import { needsAttention } from "../../stats/aggregate";
import { ActivityChart, type ChartPoint } from "./overview/chart";

/** The body of GET /api/v1/stats (src/stats/routes.ts). */
interface Stats {
  events: number;
  deliveries: { attempted: number; succeeded: number; failed: number; successRate: number | null };
  series: ChartPoint[];
  streams: { streams: number; maxLag: number; openBreakers: number; blocked: number; deadLetters: number };
}

const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1).replace(/\.0$/, "")}%`);

function Card(props: { label: string; value: string | number; hint?: string; href?: string | undefined }) {
  return (
    <div class="card">
      <span class="value">{props.href ? <a href={props.href}>{props.value}</a> : props.value}</span>
      <span class="label">{props.label}</span>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
    </div>
  );
}

export const overviewPage = new Hono<PortalEnv>().get("/", async (c) => {
  const api = c.get("api");
  const [stats, streams] = await Promise.all([api.get<Stats>("/api/v1/stats", { window: "1h" }), api.get<{ items: StreamView[] }>("/api/v1/streams")]);
  const failure = !stats.ok ? stats.error : !streams.ok ? streams.error : null;
  const attention = streams.ok ? streams.body.items.filter(needsAttention) : [];
  const body = (
    <>
      {failure ? <p role="alert" class="flash error">{`${failure.message} (${failure.code})`}</p> : null}
      {stats.ok ? (
        <>
          <h2>Last hour</h2>
          <div class="cards">
            <Card label="Events (1h)" value={stats.body.events} hint="Committed record changes" />
            <Card
              label="Deliveries (1h)"
              value={stats.body.deliveries.attempted}
              hint={`${stats.body.deliveries.succeeded} succeeded · ${stats.body.deliveries.failed} failed`}
            />
            <Card label="Success rate" value={percent(stats.body.deliveries.successRate)} hint="2xx answers per attempt" />
            <Card label="Max stream lag" value={stats.body.streams.maxLag} hint="Events not yet delivered" />
            <Card label="Open breakers" value={stats.body.streams.openBreakers} />
            <Card label="Dead letters" value={stats.body.streams.deadLetters} href={portalPath(c, "/dead-letters")} />
          </div>
          <ActivityChart
            series={stats.body.series}
            label={`Events and delivery attempts per 5 minutes over the last hour: ${stats.body.events} events, ${stats.body.deliveries.succeeded} deliveries succeeded, ${stats.body.deliveries.failed} failed`}
          />
        </>
      ) : null}
      <h2>Streams needing attention</h2>
      <DataTable
        caption="Streams needing attention"
        headers={["Stream", "Subscription", "Lag", "Pending", "Breaker", "Blocked", "Dead letters"]}
        rows={attention.length}
        empty="All streams are caught up, with closed breakers and nothing blocked."
      >
        {attention.map((stream) => (
          <tr>
            <td><code>{stream.stream}</code></td>
            <td><a href={portalPath(c, `/subscriptions/${encodeURIComponent(stream.subscriptionId)}`)}><code>{stream.subscriptionId}</code></a></td>
            <td>{stream.lag}</td>
            <td>{stream.pending}</td>
            <td><StatusBadge status={stream.breaker} /></td>
            <td>{stream.blocked ? <StatusBadge status="blocked" /> : "no"}</td>
            <td>{stream.deadLetters > 0 ? <a href={portalPath(c, "/dead-letters")}>{stream.deadLetters}</a> : 0}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
  return renderPage(c, { title: "Overview", active: "", body });
});
