import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";

describe("INTERNAL errors", () => {
  it("answer 500 with the envelope and a request id, never the internal cause", async () => {
    const broken = { ...env, MASTER_KEY: "not-base64-and-not-32-bytes" };
    const response = await app.fetch(new Request("http://acme.hookgate.test/api/v1/events"), broken, createExecutionContext());
    expect(response.status).toBe(500);
    const body = await response.json<{ error: { code: string; message: string }; requestId: string }>();
    expect(body.error.code).toBe("INTERNAL");
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
    expect(JSON.stringify(body)).not.toMatch(/MASTER_KEY|base64|configuration/i);
  });
});
