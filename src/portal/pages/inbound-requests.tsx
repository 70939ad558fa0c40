/**
 * Inbound log: the tenant's recent vendor requests, newest first, with why a rejected one was refused and how
 * many requests a row counts (unauthenticated ones are counted per minute). Filters by source and status go
 * straight to GET /api/v1/inbound-requests; "Older →" pages with nextBefore.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, renderPage } from "../layout";
import { DataTable, StatusBadge, formatTime } from "../components";
import { INBOUND_HOOK_SOURCE } from "../../inbound/configurable/receive-delivery";

interface InboundRequest {
  id: string;
  source: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  error: string | null;
  recordId: string | null;
  durationMs: number;
  count: number;
  receivedAt: string;
}

const PAGE_SIZE = 50;
/** Every source a route logs under (inboundGate in src/inbound/). */
const SOURCES = ["helpdesk.createticket", "helpdesk.servicenow", "hr.provisioning", INBOUND_HOOK_SOURCE];
const STATUSES: [string, string][] = [
  ["", "any"],
  ["2xx", "accepted (2xx)"],
  ["4xx", "rejected (4xx)"],
  ["5xx", "failed (5xx)"],
  ...["400", "401", "403", "404", "409", "413", "415", "422", "429", "500", "503"].map((code): [string, string] => [code, code]),
];

const outcome = (status: number) => (status < 300 ? "accepted" : status < 500 ? "rejected" : "failed");

function Filters(props: { c: Context<PortalEnv>; source: string; status: string }) {
  const sources = props.source && !SOURCES.includes(props.source) ? [...SOURCES, props.source] : SOURCES;
  return (
    <form method="get" action={portalPath(props.c, "/inbound-requests")} class="filters">
      <div>
        <label for="filter-source">Source</label>
        <select id="filter-source" name="source">
          <option value="" selected={props.source === ""}>any</option>
          {sources.map((source) => <option value={source} selected={source === props.source}>{source}</option>)}
        </select>
      </div>
      <div>
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          {STATUSES.map(([value, label]) => <option value={value} selected={value === props.status}>{label}</option>)}
        </select>
      </div>
      <button type="submit">Filter</button>
      {props.source || props.status ? <a href={portalPath(props.c, "/inbound-requests")}>Clear filters</a> : null}
    </form>
  );
}

export const inboundRequestsPage = new Hono<PortalEnv>().get("/inbound-requests", async (c) => {
  const source = c.req.query("source") ?? "";
  const status = c.req.query("status") ?? "";
  const before = c.req.query("before") ?? "";
  const result = await c.get("api").get<{ items: InboundRequest[]; nextBefore: number | null }>("/api/v1/inbound-requests", { limit: PAGE_SIZE, source, status, before });
  const items = result.ok ? result.body.items : [];
  const pageLink = (query: Record<string, string>) => {
    const params = new URLSearchParams(Object.entries({ source, status, ...query }).filter(([, value]) => value !== ""));
    const search = params.toString();
    return portalPath(c, `/inbound-requests${search ? `?${search}` : ""}`);
  };
  const body = (
    <>
      <Filters c={c} source={source} status={status} />
      {result.ok ? null : <p role="alert" class="flash error">{`${result.error.message} (${result.error.code})`}</p>}
      <DataTable
        caption="Inbound requests, newest first"
        headers={["Time", "Source", "Request", "Status", "Code", "Cause", "Record", "Duration", "Count"]}
        rows={items.length}
        empty={source || status || before ? "No inbound requests match." : "No inbound requests yet."}
      >
        {items.map((item) => (
          <tr>
            <td>{formatTime(item.receivedAt)}</td>
            <td>{item.source}</td>
            <td><code>{`${item.method} ${item.path}`}</code></td>
            <td><StatusBadge status={outcome(item.status)} /> {item.status}</td>
            <td>{item.code ? <code>{item.code}</code> : "—"}</td>
            <td>{item.error ?? "—"}</td>
            <td>{item.recordId ? <code>{item.recordId}</code> : "—"}</td>
            <td>{`${item.durationMs} ms`}</td>
            <td>{item.count}</td>
          </tr>
        ))}
      </DataTable>
      <nav class="actions" aria-label="Pages">
        {before ? <a href={pageLink({})}>← Newest</a> : null}
        {result.ok && result.body.nextBefore !== null ? <a href={pageLink({ before: String(result.body.nextBefore) })}>Older →</a> : null}
      </nav>
    </>
  );
  return renderPage(c, { title: "Inbound log", active: "/inbound-requests", body, status: result.ok ? 200 : 400 });
});
