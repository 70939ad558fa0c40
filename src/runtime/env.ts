/**
 * The Worker's bindings and configuration. Vars and secrets are parsed once per env object with zod,
 * so code below the edge receives typed, validated values.
 */
import { z } from "zod";
import { LOG_LEVELS, setLogLevel } from "./log";

/**
 * The bindings declared in wrangler.toml come from the generated `Env` (worker-configuration.d.ts, `npm run types`);
 * the secrets and optional vars below are not in wrangler.toml, so wrangler cannot generate them.
 */
export interface Bindings extends Env {
  ADMIN_TOKEN: string;
  MASTER_KEY: string;
  /** Set only while rotating MASTER_KEY: the old key, tried when the current one does not open a secret. */
  MASTER_KEY_PREVIOUS?: string;
  MAX_BODY_BYTES?: string;
  MAX_ATTACHMENT_BYTES?: string;
}

const base64Key32 = z
  .string()
  .refine((value) => {
    try {
      return atob(value).length === 32;
    } catch {
      return false;
    }
  }, "must be 32 bytes encoded as base64");

export const configSchema = z.object({
  BASE_DOMAIN: z.string().min(1),
  /**
   * Where callers reach tenants when that is not `{tenant}.{BASE_DOMAIN}` (behind another name, a proxy, or
   * `npm run dev` on 127.0.0.1): `https://{tenant}.hooks.example.com`, or `https://hooks.example.com`, to which
   * `/t/{tenant}` is appended. Every URL Hookgate hands out (hook URLs, Location, thin events) starts with it.
   */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .refine((value) => !value.endsWith("/"), "must not end with /")
    .optional(),
  ENVIRONMENT: z.enum(["development", "test", "production"]),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  MASTER_KEY: base64Key32,
  MASTER_KEY_PREVIOUS: base64Key32.optional(),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** The most attachment bytes one multipart entry write may carry, all files together (10 MiB). */
  MAX_ATTACHMENT_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
}).transform((vars) => ({
  ...vars,
  /** Callbacks, token endpoints and lifecycle hooks may be http or private addresses: development only (local receivers). */
  allowPrivateNetworks: vars.ENVIRONMENT === "development",
  /** Public URLs are https and cookies Secure: production only (development and tests run on plain http). */
  httpsOnly: vars.ENVIRONMENT === "production",
}));

export type Config = z.infer<typeof configSchema>;

const parsed = new WeakMap<object, Config>();

/** Validated configuration; throws a readable error naming every bad variable. */
export function readConfig(env: Bindings): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join("; ")}`);
  }
  parsed.set(env, result.data);
  // Logging is per isolate; the first configuration read sets it (every request and the DO read it first).
  setLogLevel(result.data.LOG_LEVEL);
  return result.data;
}
