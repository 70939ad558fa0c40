/**
 * Tenant API for form definitions: `PUT /api/v1/forms/{form}` stores a form's fields (replacing any earlier
 * definition wholly), `GET` reads them back, `DELETE` makes the form schemaless again. A form without a
 * definition stays schemaless.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import type { AppEnv } from "../http/app-env";
import { FORM_NAME_PATTERN } from "./record-ids";
import { formDefinitionBody, formFieldTypes, toStoredFields } from "./form-fields";
import { deleteFormDefinition, findFormDefinition, saveFormDefinition, type DefinedForm } from "./form-definitions";

const formParam = z.object({ form: z.string().regex(FORM_NAME_PATTERN, "is not a form name") });

export const formDefinitionView = z
  .object({
    form: z.string().openapi({ description: "The form's name as first written (names are unique ignoring case)" }),
    fields: z.array(
      z.object({ id: z.number().int(), name: z.string(), type: z.enum(formFieldTypes), options: z.record(z.string(), z.string()).optional() }),
    ),
    updatedAt: z.number().int(),
  })
  .openapi("FormDefinitionView");

const toView = (defined: DefinedForm) => ({ form: defined.name, fields: [...defined.fields], updatedAt: defined.updatedAt });


const put = createRoute({
  method: "put",
  path: "/api/v1/forms/{form}",
  operationId: "putFormDefinition",
  summary: "Define a form's fields",
  description:
    "Stores the form's fields (ids and names unique, names ignoring case; options only on selection fields, keyed by a non-negative integer index). " +
    "Replaces any earlier definition wholly. Entries written through the AR entry API are then checked against it.",
  middleware: [authenticate({ scope: "api" }), jsonBody()],
  request: { params: formParam, body: { required: true, content: { "application/json": { schema: formDefinitionBody } } } },
  responses: { 200: { description: "The stored definition", content: { "application/json": { schema: formDefinitionView } } }, ...errors },
});

const get = createRoute({
  method: "get",
  path: "/api/v1/forms/{form}",
  operationId: "getFormDefinition",
  summary: "Read a form's definition",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: formParam },
  responses: {
    200: { description: "The form's definition", content: { "application/json": { schema: formDefinitionView } } },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const remove = createRoute({
  method: "delete",
  path: "/api/v1/forms/{form}",
  operationId: "deleteFormDefinition",
  summary: "Remove a form's definition (the form becomes schemaless; its records stay)",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: formParam },
  responses: { 204: { description: "Removed" }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

/** The form's definition, or 404 NOT_FOUND when it has none. */
export async function definedForm(c: Context<AppEnv>, form: string): Promise<DefinedForm> {
  const defined = await findFormDefinition(c.get("data"), c.get("tenant").id, form);
  if (!defined) throw new AppError("NOT_FOUND", `Form '${form}' has no definition`);
  return defined;
}

export const formRoutes = newRouter()
  .openapi(put, async (c) => {
    const fields = toStoredFields(c.req.valid("json"));
    const saved = await saveFormDefinition(c.get("data"), c.get("tenant").id, c.req.valid("param").form, fields);
    return c.json(toView(saved), 200);
  })
  .openapi(get, async (c) => c.json(toView(await definedForm(c, c.req.valid("param").form)), 200))
  .openapi(remove, async (c) => {
    const { form } = c.req.valid("param");
    if (!(await deleteFormDefinition(c.get("data"), c.get("tenant").id, form))) throw new AppError("NOT_FOUND", `Form '${form}' has no definition`);
    return c.body(null, 204);
  });
