/**
 * A subscription rendered as an AR webhook in the seed's GET shape (AR field names, every secret masked as
 * `********`), and a page of them with its `_links`.
 */
import { z } from "@hono/zod-openapi";
import type { Subscription } from "../db/schema";
import { MASKED_SECRET } from "../secrets/seal";
import { DEFAULT_DISABLE_AFTER_FAILING_HOURS } from "../subscriptions/subscription-settings";

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
    transformation: z.string().nullable(),
    rate_limit_per_second: z.number().int().nullable().openapi({ description: "Callbacks a second at most; null = unlimited" }),
    disable_after_failing_hours: z.number().int().openapi({ description: "Hours of failing callbacks before the webhook is disabled; 0 = never" }),
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
    transformation: subscription.transformation,
    rate_limit_per_second: subscription.rateLimitPerSecond,
    disable_after_failing_hours: subscription.disableAfterFailingHours ?? DEFAULT_DISABLE_AFTER_FAILING_HOURS,
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

interface WebhookPage {
  entries: WebhookView[];
  _links: { self: { href: string }[]; next?: { href: string }[] };
}

/**
 * A page of the list: `rows` was fetched with one row more than `limit`, and that extra row only says a
 * `next` link is due. `listHref` is the list URL without query; `hrefOf` gives one webhook's URL.
 */
export function toWebhookPage(rows: Subscription[], offset: number, limit: number, listHref: string, hrefOf: (id: string) => string): WebhookPage {
  const links: WebhookPage["_links"] = { self: [{ href: `${listHref}?offset=${offset}&limit=${limit}` }] };
  if (rows.length > limit) links.next = [{ href: `${listHref}?offset=${offset + limit}&limit=${limit}` }];
  return { entries: rows.slice(0, limit).map((row) => toWebhookView(row, hrefOf(row.id))), _links: links };
}
