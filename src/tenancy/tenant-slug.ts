/**
 * Which tenant a request is for: the `/t/{tenant}/` path prefix when present, else the first label of
 * `Host: {tenant}.{BASE_DOMAIN}`. Pure, so the rules are unit-tested without a runtime.
 */

/** Lowercase DNS label, 3–63 characters. */
export const TENANT_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

export const isTenantSlug = (value: string): boolean => TENANT_SLUG_PATTERN.test(value);

/** The tenant label of a Host header, or null when the host is not `{label}.{baseDomain}`. */
export function slugFromHost(host: string | undefined, baseDomain: string): string | null {
  if (!host) return null;
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const label = hostname.slice(0, -suffix.length);
  return label.includes(".") || label === "" ? null : label;
}

type SlugResolution = { slug: string } | { error: string };

export function resolveTenantSlug(
  pathSlug: string | undefined,
  host: string | undefined,
  baseDomain: string,
): SlugResolution {
  const hostSlug = slugFromHost(host, baseDomain);
  if (pathSlug !== undefined && hostSlug !== null && pathSlug !== hostSlug) {
    return { error: `Host names tenant '${hostSlug}' but the path names '${pathSlug}'` };
  }
  const slug = pathSlug ?? hostSlug;
  if (slug === null) return { error: `No tenant in the host (expected {tenant}.${baseDomain}) or a /t/{tenant}/ prefix` };
  if (!isTenantSlug(slug)) return { error: `'${slug}' is not a tenant name` };
  return { slug };
}
