/**
 * Operator route for MASTER_KEY rotation: re-seals under MASTER_KEY every secret in KV that opens only with
 * MASTER_KEY_PREVIOUS. One call handles one page of the walk (a Worker invocation may make 1,000 KV
 * operations); pass `cursor` back until it is null. Idempotent: run it again until `resealed` is 0.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { MAX_RESEAL_PAGE, resealSecrets } from "../secrets/secret-store";
import { logLine } from "../runtime/log";

const resealReport = z
  .object({
    resealed: z.number().int().openapi({ description: "Opened only with MASTER_KEY_PREVIOUS; now sealed under MASTER_KEY" }),
    alreadyCurrent: z.number().int().openapi({ description: "Already open with MASTER_KEY; left as they are" }),
    failed: z.number().int().openapi({ description: "Open with neither key; left in place, never deleted" }),
    cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null when the walk is complete" }),
  })
  .openapi("ResealReport");

const reseal = createRoute({
  method: "post",
  path: "/secrets/reseal",
  operationId: "adminResealSecrets",
  summary: "Re-seal one page of secrets still sealed under the previous master key",
  description:
    "Re-seals, under MASTER_KEY, every sealed secret of one page that opens only with MASTER_KEY_PREVIOUS. Safe to repeat.",
  request: {
    query: z.object({
      cursor: z.string().min(1).max(1024).optional(),
      limit: z.coerce.number().int().min(1).max(MAX_RESEAL_PAGE).default(MAX_RESEAL_PAGE),
    }),
  },
  responses: {
    200: { description: "Counts for this page and the cursor for the next", content: { "application/json": { schema: resealReport } } },
    400: errors[400],
    401: errors[401],
  },
});

export const resealSecretRoutes = newRouter().openapi(reseal, async (c) => {
  const config = c.get("config");
  const { cursor, limit } = c.req.valid("query");
  const { failedRefs, ...report } = await resealSecrets(
    c.env.SECRETS,
    { current: config.MASTER_KEY, previous: config.MASTER_KEY_PREVIOUS },
    { cursor, limit },
  );
  // The operator needs to know which secrets are lost; the reference names them without revealing anything.
  for (const ref of failedRefs) logLine("warn", "sealed secret opens with neither master key", { ref, requestId: c.get("requestId") });
  return c.json(report, 200);
});
