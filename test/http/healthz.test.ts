import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("GET /healthz", () => {
  it("answers 200 on any host with a request id", async () => {
    const response = await SELF.fetch("http://anything.example/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("x-request-id")).toMatch(/.{8,}/);
  });

  it("answers unknown routes with the NOT_FOUND envelope", async () => {
    const response = await SELF.fetch("http://hookgate.test/no/such/route");
    expect(response.status).toBe(404);
    const body = await response.json<{ error: { code: string }; requestId: string }>();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
  });
});
