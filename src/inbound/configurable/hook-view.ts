/**
 * The configuration API's shapes: the hook a tenant sends (zod, also the OpenAPI schema), how it is resolved
 * against its preset into stored settings, and how a hook is shown (secret masked, URL to give the vendor).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { isoTime } from "../../http/openapi-app";
import { inboundHookEvents, type InboundHook, type InboundHookAuthSettings } from "../../db/schema/inbound-hooks";
import { FORM_NAME_PATTERN } from "../../records/record-ids";
import { MASKED_SECRET } from "../../secrets/seal";
import { tenantBaseUrl } from "../../tenancy/tenant-url";
import { generateSigningSecret } from "../../outbound/signing";
import { toBase64Url, randomBytes } from "../../runtime/crypto";
import { AppError } from "../../runtime/errors";
import { PRESET_IDS, findPreset, type InboundHookPreset } from "./presets";
import { compileTemplate, MAX_TEMPLATE_CHARS, TemplateError } from "./template";
import type { HookSettings } from "./hook-store";

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "is not an HTTP header name");
const secret = z.string().min(8, "must be at least 8 characters").max(512);

export const hookAuthInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("header_secret"), headerName: headerName.optional(), secret: secret.optional() }),
  z.object({
    kind: z.literal("hmac"),
    headerName: headerName.optional(),
    algorithm: z.enum(["sha1", "sha256", "sha512"]).optional(),
    encoding: z.enum(["hex", "base64"]).optional(),
    prefix: z.string().max(32).optional(),
    secret: secret.optional(),
  }),
  z.object({
    kind: z.literal("standard_webhooks"),
    secret: z.string().regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, "must be whsec_ followed by base64").optional(),
  }),
]);

export const hookInput = z
  .object({
    name: z.string().trim().min(1, "is required").max(100),
    preset: z.enum(PRESET_IDS),
    event: z.enum(inboundHookEvents).optional(),
    form: z.string().regex(FORM_NAME_PATTERN, "is not a form name").optional(),
    template: z.string().min(1).max(MAX_TEMPLATE_CHARS).optional(),
    syncKeys: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "is not a field name")).min(1).max(5).optional(),
    auth: hookAuthInput.optional(),
  })
  .openapi("InboundHookInput", {
    example: {
      name: "Okta users",
      preset: "okta-event-hook",
      event: "create",
      form: "User",
      syncKeys: ["email", "okta_id"],
      auth: { kind: "header_secret", headerName: "Authorization" },
    },
  });
export type HookInput = z.infer<typeof hookInput>;

export const hookView = z
  .object({
    id: z.string(),
    name: z.string(),
    preset: z.string(),
    event: z.enum(inboundHookEvents),
    form: z.string(),
    template: z.string(),
    syncKeys: z.array(z.string()),
    auth: z.object({
      kind: z.enum(["header_secret", "hmac", "standard_webhooks"]),
      headerName: z.string().optional(),
      algorithm: z.string().optional(),
      encoding: z.string().optional(),
      prefix: z.string().optional(),
      secret: z.string().openapi({ description: `${MASKED_SECRET} except in the answer that generated it` }),
    }),
    url: z.string().openapi({ description: "The URL to configure in the vendor" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("InboundHook");
export type HookView = z.infer<typeof hookView>;

export const hookUrl = (c: Context<AppEnv>, hookId: string): string => `${tenantBaseUrl(c)}/hooks/${hookId}`;

export function toHookView(c: Context<AppEnv>, hook: InboundHook, shownSecret = MASKED_SECRET): HookView {
  return {
    id: hook.id,
    name: hook.name,
    preset: hook.preset,
    event: hook.event,
    form: hook.form,
    template: hook.template,
    syncKeys: hook.syncKeys,
    auth: { kind: hook.authKind, ...hook.authSettings, secret: shownSecret },
    url: hookUrl(c, hook.id),
    createdAt: isoTime(hook.createdAt),
    updatedAt: isoTime(hook.updatedAt),
  };
}

const invalid = (path: string, message: string) => new AppError("VALIDATION_FAILED", `${path} ${message}`, [{ path, message }]);

export function presetOf(id: string): InboundHookPreset {
  const preset = findPreset(id);
  // A stored hook names a preset that existed when it was saved; one that vanished cannot be verified.
  if (!preset) throw new Error(`Unknown inbound hook preset '${id}'`);
  return preset;
}

/** A generated secret: Standard Webhooks' whsec_ format, else 32 random bytes in base64url. */
const generateSecret = (kind: InboundHookPreset["auth"]["kind"]): string =>
  kind === "standard_webhooks" ? generateSigningSecret() : toBase64Url(randomBytes(32));

export interface ResolvedHook {
  settings: HookSettings;
  /** The secret to seal, when one was given or generated; undefined keeps the stored one (PUT). */
  secret: string | undefined;
  generated: boolean;
}

/**
 * Fills what the tenant left out from the preset and checks the template parses. `keepSecret` (PUT of a hook
 * whose auth kind does not change) keeps the stored secret when none is given instead of generating one.
 */
export function resolveHook(input: HookInput, keepSecret = false): ResolvedHook {
  const preset = presetOf(input.preset);
  const auth: z.infer<typeof hookAuthInput> = input.auth ?? { kind: preset.auth.kind };
  if (auth.kind !== preset.auth.kind) throw invalid("auth.kind", `must be '${preset.auth.kind}' for preset '${preset.id}'`);
  const template = input.template ?? preset.template;
  try {
    compileTemplate(template);
  } catch (error) {
    if (error instanceof TemplateError) throw invalid("template", error.message);
    throw error;
  }
  let authSettings: InboundHookAuthSettings = {};
  if (auth.kind === "header_secret" && preset.auth.kind === "header_secret") {
    authSettings = { headerName: auth.headerName ?? preset.auth.headerName };
  } else if (auth.kind === "hmac" && preset.auth.kind === "hmac") {
    authSettings = {
      headerName: auth.headerName ?? preset.auth.headerName,
      algorithm: auth.algorithm ?? preset.auth.algorithm,
      encoding: auth.encoding ?? preset.auth.encoding,
      prefix: auth.prefix ?? preset.auth.prefix,
    };
  }
  const given = auth.secret;
  const secretValue = given ?? (keepSecret ? undefined : generateSecret(auth.kind));
  return {
    settings: {
      name: input.name,
      preset: preset.id,
      authKind: auth.kind,
      authSettings,
      event: input.event ?? preset.event,
      form: input.form ?? preset.form,
      template,
      syncKeys: input.syncKeys ?? preset.syncKeys,
    },
    secret: secretValue,
    generated: given === undefined && secretValue !== undefined,
  };
}
