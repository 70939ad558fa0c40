import { describe, expect, it } from "vitest";
import { AppError, errorEnvelope, errorStatus, toAppError } from "../../src/runtime/errors";
import { configSchema } from "../../src/runtime/env";

describe("error model", () => {
  it("maps every code to the status the API promises", () => {
    expect(errorStatus).toMatchObject({
      INVALID_JSON: 400,
      VALIDATION_FAILED: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      TENANT_SUSPENDED: 403,
      NOT_FOUND: 404,
      TENANT_NOT_FOUND: 404,
      CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      RATE_LIMITED: 429,
      INTERNAL: 500,
    });
  });

  it("renders one envelope, with details only when there are some", () => {
    expect(errorEnvelope(new AppError("CONFLICT", "taken"), "req-1")).toEqual({ error: { code: "CONFLICT", message: "taken" }, requestId: "req-1" });
    const detailed = errorEnvelope(new AppError("VALIDATION_FAILED", "bad", [{ path: "a", message: "m" }]), "req-2");
    expect(detailed.error.details).toEqual([{ path: "a", message: "m" }]);
  });

  it("never leaks an unexpected error's message", () => {
    const error = toAppError(new Error("SQLITE_ERROR: no such table secret_stuff"));
    expect(error.code).toBe("INTERNAL");
    expect(error.status).toBe(500);
    expect(error.message).not.toContain("secret_stuff");
  });
});

describe("configuration", () => {
  const valid = { BASE_DOMAIN: "localhost", ENVIRONMENT: "development", ADMIN_TOKEN: "x".repeat(16), MASTER_KEY: btoa("k".repeat(32)) };

  it("accepts a valid configuration and defaults the body limit to 1 MiB", () => {
    expect(configSchema.parse(valid).MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it.each([
    ["MASTER_KEY", { MASTER_KEY: btoa("short") }],
    ["ADMIN_TOKEN", { ADMIN_TOKEN: "short" }],
    ["ENVIRONMENT", { ENVIRONMENT: "staging" }],
    ["MAX_BODY_BYTES", { MAX_BODY_BYTES: "-1" }],
    ["PUBLIC_BASE_URL", { PUBLIC_BASE_URL: "ftp://hooks.example.com" }],
    ["PUBLIC_BASE_URL", { PUBLIC_BASE_URL: "https://hooks.example.com/" }],
  ])("rejects a bad %s", (field, override) => {
    const result = configSchema.safeParse({ ...valid, ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
