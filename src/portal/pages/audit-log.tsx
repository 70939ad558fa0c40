/**
 * Audit log: who changed the tenant's configuration (keys, subscriptions, secrets, hooks, destinations), when,
 * and what changed, newest first, from GET /api/v1/audit-log; "Older →" pages with its nextCursor.
 */
import { Hono } from "hono";
import type { PortalEnv } from "../portal-env";
import { portalPath, renderPage } from "../layout";
import { ActorName, DataTable, formatTime } from "../components";

interface AuditEntry {
  id: string;
  action: string;
  actor: { kind: string; id: string };
  target: { kind: string; id: string };
  changes: Record<string, unknown>;
  createdAt: string;
}

const PAGE_SIZE = 50;
/** Longer values (a template, a custom JSON body) are cut here; the API has them whole. */
const MAX_VALUE_CHARS = 120;

const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? "null";
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
};

function Changes(props: { changes: Record<string, unknown> }) {
  const entries = Object.entries(props.changes);
  if (entries.length === 0) return <>—</>;
  return (
    <ul class="changes">
      {entries.map(([name, value]) => <li><code>{name}</code>: <code>{shown(value)}</code></li>)}
    </ul>
  );
}

export const auditLogPage = new Hono<PortalEnv>().get("/audit-log", async (c) => {
  const cursor = c.req.query("cursor") ?? "";
  const result = await c.get("api").get<{ items: AuditEntry[]; nextCursor: string | null }>("/api/v1/audit-log", { limit: PAGE_SIZE, cursor });
  const items = result.ok ? result.body.items : [];
  const body = (
    <>
      <p class="hint">Every change to keys, subscriptions, secrets, hooks and destinations: who made it and what changed. Secrets show only as "changed".</p>
      {result.ok ? null : <p role="alert" class="flash error">{`${result.error.message} (${result.error.code})`}</p>}
      <DataTable caption="Audit log, newest first" headers={["Time", "Action", "By", "Target", "Changes"]} rows={items.length} empty="No changes recorded yet.">
        {items.map((item) => (
          <tr>
            <td>{formatTime(item.createdAt)}</td>
            <td><code>{item.action}</code></td>
            <td><ActorName actor={item.actor} /></td>
            <td><code>{item.target.id}</code></td>
            <td><Changes changes={item.changes} /></td>
          </tr>
        ))}
      </DataTable>
      <nav class="actions" aria-label="Pages">
        {cursor ? <a href={portalPath(c, "/audit-log")}>← Newest</a> : null}
        {result.ok && result.body.nextCursor !== null ? <a href={portalPath(c, `/audit-log?cursor=${encodeURIComponent(result.body.nextCursor)}`)}>Older →</a> : null}
      </nav>
    </>
  );
  return renderPage(c, { title: "Audit log", active: "/audit-log", body, status: result.ok ? 200 : 400 });
});
