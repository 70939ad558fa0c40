/**
 * POST /api/v1/subscriptions/{id}/transformation/dry-run: the body a subscription's transformation renders for an
 * event, without sending it (see transformation-dry-run.ts for the defaults). A template that fails is 400
 * TEMPLATE_FAILED with the template's message.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import { entryEvents } from "../db/schema";
import { findSubscription } from "../subscriptions/subscription-store";
import { MAX_TRANSFORMATION_CHARS, TemplateError } from "../subscriptions/transformation";
import { listFormDefinitions } from "../records/form-definitions";
import { recordInstanceId } from "../records/record-instance-id";
import { publicTenantBaseUrl } from "../tenancy/tenant-url";
import { dryRunEvent, dryRunTransformation } from "./transformation-dry-run";

const dryRunBody = z
  .object({
    template: z.string().max(MAX_TRANSFORMATION_CHARS).optional().openapi({ description: "The template to render. Left out: the subscription's stored transformation." }),
    event: z
      .object({
        type: z.enum(entryEvents).optional(),
        seq: z.int().min(0).optional(),
        record_id: z.string().min(1).max(255).optional(),
        data: z.record(z.string(), z.unknown()).optional(),
        changed_fields: z.array(z.string()).max(1000).optional(),
        time: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .optional()
      .openapi({
        description:
          "The event to render for, each part optional over a sample: a create of entry 000000000000001 at seq 1, now, with one sample value per field " +
          "of the form's definition (attachment fields left out), or per payload field without a definition; `changed_fields` defaults to the fields of `data`.",
      }),
  })
  .strict();

const dryRun = createRoute({
  method: "post",
  path: "/api/v1/subscriptions/{id}/transformation/dry-run",
  operationId: "dryRunSubscriptionTransformation",
  summary: "Render a subscription's transformation for an event without sending it",
  middleware: [authenticate({ scope: "api" }), jsonBody()],
  request: {
    params: z.object({ id: z.string().regex(/^WBH\d{12}$/, "is not a subscription id") }),
    body: { required: true, content: { "application/json": { schema: dryRunBody } } },
  },
  responses: {
    200: {
      description: "The JSON object that would be sent (null when the subscription's format sends nothing for this event)",
      content: { "application/json": { schema: z.object({ body: z.record(z.string(), z.unknown()).nullable() }) } },
    },
    ...errors,
  },
});

export const transformationRoutes = newRouter().openapi(dryRun, async (c) => {
  const { id } = c.req.valid("param");
  const { template, event: given } = c.req.valid("json");
  const tenant = c.get("tenant");
  const subscription = await findSubscription(c.get("db"), tenant.id, id);
  const definitions = await listFormDefinitions(c.get("data"), tenant.id);
  const event = dryRunEvent(subscription, definitions, given ?? {}, Date.now());
  const address = { instanceId: await recordInstanceId(tenant.id, event.form, event.recordId), tenantBaseUrl: publicTenantBaseUrl(c.get("config"), tenant.slug) };
  try {
    return c.json({ body: dryRunTransformation(subscription, template, event, address, definitions) }, 200);
  } catch (error) {
    if (error instanceof TemplateError) throw new AppError("TEMPLATE_FAILED", error.message);
    throw error;
  }
});
