import { describe, expect, it } from "vitest";
import { isTenantSlug, resolveTenantSlug, slugFromHost } from "../../src/tenancy/tenant-slug";

describe("tenant slug rules", () => {
  it.each([
    ["acme", true],
    ["a-1", true],
    ["ab", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["Acme", false],
    ["-acme", false],
    ["acme-", false],
    ["ac_me", false],
    ["ac.me", false],
  ])("isTenantSlug(%s) = %s", (slug, valid) => {
    expect(isTenantSlug(slug)).toBe(valid);
  });

  it.each([
    ["acme.localhost:8787", "localhost", "acme"],
    ["ACME.localhost", "localhost", "acme"],
    ["acme.hooks.example.com", "hooks.example.com", "acme"],
    ["localhost:8787", "localhost", null],
    ["a.b.localhost", "localhost", null],
    ["acme.otherdomain.com", "localhost", null],
    [undefined, "localhost", null],
  ])("slugFromHost(%s, %s) = %s", (host, base, slug) => {
    expect(slugFromHost(host, base)).toBe(slug);
  });

  it("prefers the path prefix when the host names no tenant", () => {
    expect(resolveTenantSlug("acme", "localhost:8787", "localhost")).toEqual({ slug: "acme" });
  });

  it("rejects a host and a path that name different tenants", () => {
    expect(resolveTenantSlug("other", "acme.localhost", "localhost")).toHaveProperty("error");
  });

  it("rejects requests that name no tenant, or an invalid one", () => {
    expect(resolveTenantSlug(undefined, "localhost", "localhost")).toHaveProperty("error");
    expect(resolveTenantSlug("A!", undefined, "localhost")).toHaveProperty("error");
  });
});
