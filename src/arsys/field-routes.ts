/**
 * AR System field metadata (`GET /api/arsys/v1.0/fields/{formName}`): a defined form's fields in AR's shape,
 * an array of `{id, name, datatype, field_type}` with AR's data type names (CHAR, INTEGER, DECIMAL, DATE,
 * TIME, ENUM, ATTACH) and, on ENUM fields, `options` (label by index). A form without a definition is 404.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import type { FormFieldType } from "../db/schema";
import { FORM_NAME_PATTERN } from "../records/record-ids";
import { definedForm } from "../records/form-routes";

const AR_DATATYPE: Record<FormFieldType, string> = {
  character: "CHAR",
  integer: "INTEGER",
  decimal: "DECIMAL",
  date: "DATE",
  time: "TIME",
  selection: "ENUM",
  attachment: "ATTACH",
};

const arField = z
  .object({
    id: z.number().int(),
    name: z.string(),
    datatype: z.enum(["CHAR", "INTEGER", "DECIMAL", "DATE", "TIME", "ENUM", "ATTACH"]),
    field_type: z.literal("DATA"),
    options: z.record(z.string(), z.string()).optional(),
  })
  .openapi("ArField");

const list = createRoute({
  method: "get",
  path: "/api/arsys/v1.0/fields/{formName}",
  operationId: "listFields",
  summary: "A form's field metadata (AR System)",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: z.object({ formName: z.string().regex(FORM_NAME_PATTERN, "is not a form name") }) },
  responses: {
    200: { description: "The form's fields", content: { "application/json": { schema: z.array(arField) } } },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

export const fieldRoutes = newRouter().openapi(list, async (c) => {
  const defined = await definedForm(c, c.req.valid("param").formName);
  const fields = defined.fields.map((field) => ({
    id: field.id,
    name: field.name,
    datatype: AR_DATATYPE[field.type] as z.infer<typeof arField>["datatype"],
    field_type: "DATA" as const,
    ...(field.options ? { options: field.options } : {}),
  }));
  return c.json(fields, 200);
});
