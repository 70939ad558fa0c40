/**
 * Tenant API for what happens to a user beyond its values (issue 18): a password change (fires changePassword)
 * and an application provisioning (policyMap and preProvision synchronously, then postProvision when the tenant's
 * platform reports the result). Each commits one event on the `User` record; the hooks it fires go through the
 * delivery engine in that user's order. Handlers parse, call one use case (user-actions.ts), render.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors, inboundErrors } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { requestPorts } from "../http/request-ports";
import type { AppEnv } from "../http/app-env";
import { provisioningActions } from "../db/schema";
import { changeUserPassword, reportProvisioningResult, requestProvisioning, type UserActionPorts } from "./user-actions";

const auth = () => [authenticate({ scope: "api" }), jsonBody()];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

const recordId = z.string().min(1).max(64);
const userParams = z.object({ recordId });
const provisioningParams = userParams.extend({ provisioningId: z.string().min(1).max(64) });

const passwordBody = z.object({ passwordText: z.string().min(1, "is required").max(1024) }).openapi("PasswordChange");
const provisioningBody = z
  .object({
    applicationId: z.string().min(1, "is required").max(256),
    roleList: z.array(z.unknown()).max(500).default([]),
    action: z.enum(provisioningActions),
    policyMap: z.object({
      targetAttribute: z.string().max(256).default(""),
      cymmetrifield: z.string().max(256).default(""),
      defaultValue: z.string().max(2048).default(""),
      formVeriable: z.string().max(256).default(""),
    }),
  })
  .openapi("ProvisioningRequest");
const resultBody = z.object({ isSuccess: z.boolean(), uid: z.string().max(256).default("") }).openapi("ProvisioningResult");

const accepted = z.object({ eventSeq: z.number().int() });

const changePassword = createRoute({
  method: "post",
  path: "/api/v1/users/{recordId}/password",
  operationId: "changeUserPassword",
  summary: "Change a user's password: fires changePassword (the password is sealed, never stored or shown in clear)",
  middleware: auth(),
  request: { params: userParams, body: body(passwordBody) },
  responses: { 202: json(accepted, "Committed; changePassword follows in the user's order"), ...errors },
});

const provision = createRoute({
  method: "post",
  path: "/api/v1/users/{recordId}/provisioning",
  operationId: "provisionUser",
  summary: "Request an application provisioning: policyMap and preProvision run now; the result is reported later",
  middleware: auth(),
  request: { params: userParams, body: body(provisioningBody) },
  responses: { 201: json(z.object({ provisioningId: z.string() }), "Committed"), ...errors, 422: inboundErrors[422], 503: inboundErrors[503] },
});

const reportResult = createRoute({
  method: "post",
  path: "/api/v1/users/{recordId}/provisioning/{provisioningId}/result",
  operationId: "reportProvisioningResult",
  summary: "Report a provisioning's outcome: fires postProvision; a second report is 409",
  middleware: auth(),
  request: { params: provisioningParams, body: body(resultBody) },
  responses: { 202: json(accepted.extend({ provisioningId: z.string() }), "Committed; postProvision follows in the user's order"), ...errors },
});

const ports = (c: Context<AppEnv>): UserActionPorts => ({ ...requestPorts(c), env: c.env, controlDb: c.get("db") });

export const userRoutes = newRouter()
  .openapi(changePassword, async (c) => {
    const { recordId } = c.req.valid("param");
    const eventSeq = await changeUserPassword(ports(c), { tenantId: c.get("tenant").id, recordId, passwordText: c.req.valid("json").passwordText });
    return c.json({ eventSeq }, 202);
  })
  .openapi(provision, async (c) => {
    const { recordId } = c.req.valid("param");
    const provisioningId = await requestProvisioning(ports(c), { tenantId: c.get("tenant").id, recordId, ...c.req.valid("json") });
    return c.json({ provisioningId }, 201);
  })
  .openapi(reportResult, async (c) => {
    const { recordId, provisioningId } = c.req.valid("param");
    const eventSeq = await reportProvisioningResult(ports(c), { tenantId: c.get("tenant").id, recordId, provisioningId, ...c.req.valid("json") });
    return c.json({ provisioningId, eventSeq }, 202);
  });
