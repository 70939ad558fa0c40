import { afterEach, describe, expect, it, vi } from "vitest";
import { SELF } from "cloudflare:test";
import { logLine, setLogLevel } from "../../src/runtime/log";
import { configSchema } from "../../src/runtime/env";
import { TICKET_PATH, createTenant, tenantUrl } from "../helpers";

const VALID = {
  BASE_DOMAIN: "hookgate.test",
  ENVIRONMENT: "test",
  ADMIN_TOKEN: "test-admin-token-0123456789",
  MASTER_KEY: "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=",
};

const linesOf = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

describe("structured log lines", () => {
  afterEach(() => {
    setLogLevel("info");
    vi.restoreAllMocks();
  });

  it("LOG_LEVEL defaults to info, accepts warn and error, refuses anything else", () => {
    expect(configSchema.parse(VALID).LOG_LEVEL).toBe("info");
    expect(configSchema.parse({ ...VALID, LOG_LEVEL: "warn" }).LOG_LEVEL).toBe("warn");
    expect(configSchema.safeParse({ ...VALID, LOG_LEVEL: "verbose" }).success).toBe(false);
  });

  it("drops lines below the level and keeps the rest, one JSON object per line", () => {
    const info = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    setLogLevel("warn");
    logLine("info", "dropped", { a: 1 });
    logLine("warn", "kept", { a: 2 });
    expect(info).not.toHaveBeenCalled();
    expect(linesOf(warn)).toEqual([expect.objectContaining({ level: "warn", message: "kept", a: 2 })]);
    setLogLevel("info");
    logLine("info", "now kept");
    expect(linesOf(info)).toEqual([expect.objectContaining({ level: "info", message: "now kept" })]);
  });

  it("an inbound request logs one line with tenant, request id, route, status, code and duration; never the key or body", async () => {
    const tenant = await createTenant("log");
    const info = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const secretText = "a-very-secret-description";
    const accepted = await SELF.fetch(tenantUrl(tenant.slug, TICKET_PATH), {
      method: "POST",
      headers: { authorization: tenant.key, "content-type": "application/json" },
      body: JSON.stringify({ requester_email: "a@b.example", title: "t", description: secretText }),
    });
    expect(accepted.status).toBe(201);
    const rejected = await SELF.fetch(tenantUrl(tenant.slug, TICKET_PATH), {
      method: "POST",
      headers: { authorization: tenant.key, "content-type": "application/json" },
      body: JSON.stringify({ title: "no requester" }),
    });
    expect(rejected.status).toBe(400);
    const inbound = [...linesOf(info), ...linesOf(warn)].filter((line) => line.message === "inbound_request" && line.tenantId === tenant.id);
    expect(inbound).toEqual([
      expect.objectContaining({ level: "info", requestId: accepted.headers.get("x-request-id"), route: `POST ${TICKET_PATH}`, status: 201, code: null, durationMs: expect.any(Number) }),
      expect.objectContaining({ level: "warn", requestId: rejected.headers.get("x-request-id"), route: `POST ${TICKET_PATH}`, status: 400, code: "VALIDATION_FAILED" }),
    ]);
    const everything = JSON.stringify([...info.mock.calls, ...warn.mock.calls]);
    expect(everything).not.toContain(tenant.key);
    expect(everything).not.toContain(secretText);
  });
});
