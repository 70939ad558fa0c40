/**
 * Tenant API: the audit log, newest first (scope `api`). Each item is one management action with its actor,
 * target and changes (secrets only as "changed"). Pages with `cursor`: the answer's `nextCursor`, opaque.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, isoTime } from "../http/openapi-app";
import { errorResponses, jsonResponse } from "../http/route-schemas";
import { authenticate } from "../auth/authenticate";
import type { AuditLogRow } from "../db/schema";
import { actorView, type ActorKind } from "./actor";
import { listAuditLog, type AuditCursor } from "./audit-log";

const auditEntryView = z
  .object({
    id: z.string(),
    action: z.string().openapi({ description: "e.g. `api_key.created`, `subscription.updated`, `inbound_hook.deleted`" }),
    actor: actorView,
    target: z.object({ kind: z.string(), id: z.string() }),
    changes: z.record(z.string(), z.unknown()).openapi({ description: 'Field names and new values; a secret shows only as "changed"' }),
    createdAt: z.string(),
  })
  .openapi("AuditEntry");

const toView = (row: AuditLogRow): z.infer<typeof auditEntryView> => ({
  id: row.id,
  action: row.action,
  // Only auditRow() writes the table, always with an Actor's kind.
  actor: { kind: row.actorKind as ActorKind, id: row.actorId },
  target: { kind: row.targetKind, id: row.targetId },
  changes: row.changes ?? {},
  createdAt: isoTime(row.createdAt),
});

/** A cursor is the last row's `{createdAt}.{seq}`: rows of one millisecond stay in order across pages. */
const cursorOf = (row: AuditLogRow): string => `${row.createdAt}.${row.seq}`;

const cursorParam = z
  .string()
  .regex(/^\d{1,15}\.\d{1,9}$/, "is not a cursor from nextCursor")
  .transform((cursor): AuditCursor => {
    const [createdAt, seq] = cursor.split(".").map(Number);
    return { createdAt: createdAt!, seq: seq! };
  });

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/audit-log",
  operationId: "listAuditLog",
  summary: "The tenant's management actions, newest first",
  middleware: [authenticate({ scope: "api" })] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: cursorParam.optional().openapi({ type: "string", description: "`nextCursor` of the previous page" }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(auditEntryView), nextCursor: z.string().nullable() }), "Audit entries, newest first"),
    ...errorResponses(400, 401, 403),
  },
});

export const auditLogRoutes = newRouter().openapi(listRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listAuditLog(c.get("db"), c.get("tenant").id, { limit: limit + 1, before: cursor });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return c.json({ items: page.map(toView), nextCursor: rows.length > limit && last ? cursorOf(last) : null }, 200);
});
