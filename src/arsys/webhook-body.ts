/**
 * The AR System webhook registration body (seed 003), validated with zod. Accepts the seed's variants
 * (`basic` and `BASIC`, null IMS fields under NO_AUTH, `_links`/`webhook_id` echoed back on PUT) and
 * normalises them, then maps them to the subscription's settings. The condition is checked by the
 * qualification parser, with the error position. Hookgate's extension fields may be left out (AR clients do).
 */
import { z } from "@hono/zod-openapi";
import { callbackAuthTypes, deadLetterPolicies, entryEvents, orderings, payloadFormats } from "../db/schema";
import { FORM_NAME_PATTERN } from "../records/record-ids";
import { parseQualification } from "../subscriptions/qualification";
import { checkTransformation, MAX_TRANSFORMATION_CHARS } from "../subscriptions/transformation";
import {
  DEFAULT_DISABLE_AFTER_FAILING_HOURS,
  MAX_DISABLE_AFTER_FAILING_HOURS,
  rateLimitPerSecond,
  retryPolicyOverrideSchema,
  type SubscriptionSave,
} from "../subscriptions/subscription-settings";

const optionalText = z.string().trim().max(2048).nullish();

const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL");

const callbackAuthenticationSchema = z
  .object({
    type: z
      .string()
      .transform((value) => value.trim().toUpperCase())
      .pipe(z.enum(callbackAuthTypes, { error: "must be NO_AUTH, BASIC, BEARER, IMS or OAUTH2" })),
    username: optionalText,
    password: optionalText,
    accessKey: optionalText,
    accessSecretKey: optionalText,
    tenantId: optionalText,
    authBaseUrl: optionalText,
    authAccessTokenPath: optionalText,
    authRefreshTokenPath: optionalText,
    authHeaderTokenName: optionalText,
    token: optionalText,
    tokenUrl: optionalText,
    clientId: optionalText,
    clientSecret: optionalText,
    scope: optionalText,
  })
  .superRefine((auth, ctx) => {
    const required: Record<string, readonly (keyof typeof auth)[]> = {
      NO_AUTH: [],
      BASIC: ["username", "password"],
      BEARER: ["token"],
      IMS: ["accessKey", "accessSecretKey", "tenantId", "authBaseUrl", "authAccessTokenPath"],
      OAUTH2: ["tokenUrl", "clientId", "clientSecret"],
    };
    for (const field of required[auth.type] ?? []) {
      if (!auth[field]) ctx.addIssue({ code: "custom", path: [field], message: `is required for ${auth.type} authentication` });
    }
    const endpoint = auth.type === "IMS" ? "authBaseUrl" : auth.type === "OAUTH2" ? "tokenUrl" : null;
    const url = endpoint ? auth[endpoint] : null;
    if (endpoint && url && !httpUrl.safeParse(url).success) {
      ctx.addIssue({ code: "custom", path: [endpoint], message: "must be an absolute http(s) URL" });
    }
  });

const customJsonSchema = z
  .union([
    z.record(z.string(), z.unknown()),
    z.string().transform((text, ctx) => {
      try {
        const value: unknown = JSON.parse(text);
        if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: "custom", message: "must be a JSON object" });
      return z.NEVER;
    }),
  ])
  .nullish();

/** The longest qualification a webhook may carry: parsing and matching cost grows with it, on every event. */
export const MAX_CONDITION_LENGTH = 4096;

export const webhookRegistrationSchema = z
  .looseObject({
    description: z.string().max(255).nullish(),
    form_name: z.string({ error: "is required" }).trim().regex(FORM_NAME_PATTERN, "is not a valid form name"),
    condition: z
      .string()
      .max(MAX_CONDITION_LENGTH, "must be at most 4,096 characters")
      .nullish()
      .superRefine((condition, ctx) => {
        if (!condition) return;
        const parsed = parseQualification(condition);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error.message });
      }),
    entry_events: z
      .array(
        z
          .string()
          .transform((value) => value.trim().toLowerCase())
          .pipe(z.enum(entryEvents, { error: "must be create, update, merge or delete" })),
        { error: "is required" },
      )
      .min(1, "needs at least one event")
      .transform((events) => [...new Set(events)]),
    callback: z.object(
      { url: httpUrl, authentication: callbackAuthenticationSchema.optional() },
      { error: "is required" },
    ),
    payload_fields: z.array(z.string().trim().min(1)).max(500).nullish(),
    enabled: z.boolean().default(true),
    send_unchanged_fields: z.boolean().default(false),
    send_attachment_as_reference: z.boolean().default(false),
    custom_json: customJsonSchema,
    // Hookgate extensions (not in AR): payload format, stream ordering, retry schedule, dead-letter policy, transformation,
    // rate limit, auto-disable.
    // AR clients never send them: left out, POST gives the default and PUT keeps the stored value.
    format: z.enum(payloadFormats).optional().openapi({ description: "Payload format. Left out: `ar` on POST, the stored value on PUT." }),
    ordering: z.enum(orderings).optional().openapi({
      description:
        "One delivery stream per subscription or per record. Left out: `subscription` on POST, the stored value on PUT. " +
        "A PUT that changes it while the webhook has open deliveries (pending, in flight, or a dead letter blocking its stream) is 409, naming `ordering`.",
    }),
    retry_policy: retryPolicyOverrideSchema.nullish().openapi({
      description: "Overrides of the default retry policy. Left out: none on POST, the stored value on PUT; `null` clears the override.",
    }),
    dead_letter_policy: z
      .enum(deadLetterPolicies)
      .optional()
      .openapi({ description: "What a dead letter does to its stream: `skip` moves on, `block` waits. Left out: `skip` on POST, the stored value on PUT." }),
    transformation: z
      .string()
      .max(MAX_TRANSFORMATION_CHARS, `must be at most ${MAX_TRANSFORMATION_CHARS} characters`)
      .nullish()
      .superRefine((template, ctx) => {
        const problem = template ? checkTransformation(template) : null;
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .openapi({
        description:
          "A Jinja template over `event`, `payload` and `subscription` whose output, one JSON object, is sent instead of the payload. " +
          "Left out: none on POST, the stored value on PUT; `null` clears it.",
      }),
    rate_limit_per_second: rateLimitPerSecond()
      .nullish()
      .openapi({
        description:
          "At most this many callbacks a second (a token bucket whose burst equals the rate), in order. " +
          "Left out: unlimited on POST, the stored value on PUT; `null` makes it unlimited.",
      }),
    disable_after_failing_hours: z
      .int("must be a whole number")
      .min(0, "must be 0 (never) or more")
      .max(MAX_DISABLE_AFTER_FAILING_HOURS, `must be at most ${MAX_DISABLE_AFTER_FAILING_HOURS}`)
      .nullish()
      .openapi({
        description:
          "Disable the webhook (its deliveries held, as after a 410) when its callbacks have failed this many hours without a success; 0 = never. " +
          `Left out: ${DEFAULT_DISABLE_AFTER_FAILING_HOURS} on POST, the stored value on PUT; \`null\` restores the default.`,
      }),
  })
  .openapi("ArWebhookRegistration", {
    example: {
      description: "testWebhook",
      form_name: "HPD:Help Desk",
      condition: "'Status' !=\"Closed\"",
      entry_events: ["create", "update", "merge", "delete"],
      callback: { url: "https://receiver.example/webhook", authentication: { type: "basic", username: "Demo", password: "Demo123" } },
      payload_fields: ["Description", "Impact", "Urgency", "Status"],
    },
  });

export type WebhookRegistration = z.infer<typeof webhookRegistrationSchema>;

/** Maps a registration (AR field names) to the subscription settings Hookgate stores; extensions left out stay undefined. */
export function subscriptionSettingsFrom(registration: WebhookRegistration): SubscriptionSave {
  const auth = registration.callback.authentication;
  return {
    description: registration.description ?? null,
    formName: registration.form_name,
    condition: registration.condition ?? "",
    entryEvents: registration.entry_events,
    payloadFields: registration.payload_fields ?? [],
    enabled: registration.enabled,
    sendUnchangedFields: registration.send_unchanged_fields,
    sendAttachmentAsReference: registration.send_attachment_as_reference,
    customJson: registration.custom_json ?? null,
    callbackUrl: registration.callback.url,
    authType: auth?.type ?? "NO_AUTH",
    authSettings: {
      username: auth?.username ?? null,
      accessKey: auth?.accessKey ?? null,
      tenantId: auth?.tenantId ?? null,
      authBaseUrl: auth?.authBaseUrl ?? null,
      authAccessTokenPath: auth?.authAccessTokenPath ?? null,
      authRefreshTokenPath: auth?.authRefreshTokenPath ?? null,
      authHeaderTokenName: auth?.authHeaderTokenName ?? null,
      tokenUrl: auth?.tokenUrl ?? null,
      clientId: auth?.clientId ?? null,
      scope: auth?.scope ?? null,
    },
    callbackSecrets: {
      password: auth?.password ?? undefined,
      token: auth?.token ?? undefined,
      accessSecretKey: auth?.accessSecretKey ?? undefined,
      clientSecret: auth?.clientSecret ?? undefined,
    },
    format: registration.format,
    ordering: registration.ordering,
    retryPolicy: registration.retry_policy,
    deadLetterPolicy: registration.dead_letter_policy,
    transformation: registration.transformation === "" ? null : registration.transformation,
    rateLimitPerSecond: registration.rate_limit_per_second,
    disableAfterFailingHours: registration.disable_after_failing_hours,
  };
}
