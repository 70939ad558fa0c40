/** A stored registration rendered in the seed's GET shape, every secret masked as `********`. */
import { z } from "@hono/zod-openapi";
import type { Subscription } from "../db/schema";
import { MASKED_SECRET } from "../secrets/seal";

const nullableText = z.string().nullable();

export const webhookView = z
  .object({
    webhook_id: z.string(),
    description: nullableText,
    form_name: z.string(),
    condition: z.string(),
    entry_events: z.array(z.string()),
    payload_fields: z.array(z.string()),
    enabled: z.boolean(),
    send_unchanged_fields: z.boolean(),
    send_attachment_as_reference: z.boolean(),
    custom_json: z.record(z.string(), z.unknown()).nullable(),
    format: z.string(),
    ordering: z.string(),
    retry_policy: z.record(z.string(), z.unknown()).nullable(),
    dead_letter_policy: z.string(),
    disabled_reason: z.string().nullable(),
    callback: z.object({
      url: z.string(),
      authentication: z.object({
        type: z.string(),
        username: nullableText,
        password: nullableText,
        accessKey: nullableText,
        accessSecretKey: nullableText,
        tenantId: nullableText,
        authBaseUrl: nullableText,
        authAccessTokenPath: nullableText,
        authRefreshTokenPath: nullableText,
        authHeaderTokenName: nullableText,
        token: nullableText,
        tokenUrl: nullableText,
        clientId: nullableText,
        clientSecret: nullableText,
        scope: nullableText,
      }),
    }),
    _links: z.object({ self: z.array(z.object({ href: z.string() })) }),
  })
  .openapi("ArWebhook");

export type WebhookView = z.infer<typeof webhookView>;

export function toWebhookView(subscription: Subscription, selfHref: string): WebhookView {
  const settings = subscription.authSettings;
  const secretMask = (present: boolean) => (present ? MASKED_SECRET : null);
  const type = subscription.authType;
  return {
    webhook_id: subscription.id,
    description: subscription.description,
    form_name: subscription.formName,
    condition: subscription.condition,
    entry_events: subscription.entryEvents,
    payload_fields: subscription.payloadFields,
    enabled: subscription.enabled,
    send_unchanged_fields: subscription.sendUnchangedFields,
    send_attachment_as_reference: subscription.sendAttachmentAsReference,
    custom_json: subscription.customJson,
    format: subscription.format,
    ordering: subscription.ordering,
    retry_policy: subscription.retryPolicy,
    dead_letter_policy: subscription.deadLetterPolicy,
    disabled_reason: subscription.disabledReason,
    callback: {
      url: subscription.callbackUrl,
      authentication: {
        type,
        username: settings.username ?? null,
        password: secretMask(type === "BASIC" && subscription.secretRef !== null),
        accessKey: settings.accessKey ?? null,
        accessSecretKey: secretMask(type === "IMS" && subscription.secretRef !== null),
        tenantId: settings.tenantId ?? null,
        authBaseUrl: settings.authBaseUrl ?? null,
        authAccessTokenPath: settings.authAccessTokenPath ?? null,
        authRefreshTokenPath: settings.authRefreshTokenPath ?? null,
        authHeaderTokenName: settings.authHeaderTokenName ?? null,
        token: secretMask(type === "BEARER" && subscription.secretRef !== null),
        tokenUrl: settings.tokenUrl ?? null,
        clientId: settings.clientId ?? null,
        clientSecret: secretMask(type === "OAUTH2" && subscription.secretRef !== null),
        scope: settings.scope ?? null,
      },
    },
    _links: { self: [{ href: selfHref }] },
  };
}
