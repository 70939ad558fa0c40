/**
 * Pieces of an OpenAPI route declaration that every JSON route repeats: a JSON request body, a JSON response,
 * a list of items, and the error responses a route can answer, picked by status.
 */
import { z } from "@hono/zod-openapi";
import { errors } from "./openapi-app";

/** A required JSON request body validated by `schema`. */
export const jsonRequestBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

/** A JSON response whose body is `schema`. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** The body of a list route: `{ items: [...] }`. */
export const itemsOf = <T extends z.ZodType>(schema: T) => z.object({ items: z.array(schema) });

/** The error responses of these statuses, to spread into a route's `responses`. */
export const errorResponses = <S extends keyof typeof errors>(...statuses: S[]): Pick<typeof errors, S> =>
  Object.fromEntries(statuses.map((status) => [status, errors[status]])) as Pick<typeof errors, S>;
