import { describe, expect, it } from "vitest";
import { AR_JWT_TTL_SECONDS, issueArJwt, verifyArJwt } from "../../src/auth/ar-jwt";

const MASTER = btoa("m".repeat(32));
const subject = { tenantId: "ten_a", accountId: "sa_1", scopes: ["api"] };

describe("AR-JWT", () => {
  it("verifies for its tenant until it expires after one hour", async () => {
    const { token, claims } = await issueArJwt(MASTER, subject, 1_000);
    expect(claims.exp).toBe(1_000 + AR_JWT_TTL_SECONDS);
    expect(await verifyArJwt(MASTER, "ten_a", token, 1_000 + AR_JWT_TTL_SECONDS - 1)).toMatchObject({ sub: "sa_1", tnt: "ten_a" });
    expect(await verifyArJwt(MASTER, "ten_a", token, 1_000 + AR_JWT_TTL_SECONDS)).toBeNull();
  });

  it("does not verify for another tenant or under another master key", async () => {
    const { token } = await issueArJwt(MASTER, subject, 1_000);
    expect(await verifyArJwt(MASTER, "ten_b", token, 1_001)).toBeNull();
    expect(await verifyArJwt(btoa("o".repeat(32)), "ten_a", token, 1_001)).toBeNull();
  });

  it.each(["", "a.b", "a.b.c", "x.y.z.w"])("rejects malformed token %j", async (token) => {
    expect(await verifyArJwt(MASTER, "ten_a", token, 1_001)).toBeNull();
  });
});
