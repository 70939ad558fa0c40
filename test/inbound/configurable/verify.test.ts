import { describe, expect, it } from "vitest";
import { verifyHookRequest, type HookCredentials } from "../../../src/inbound/configurable/verify";
import { findPreset } from "../../../src/inbound/configurable/presets";
import { hmac } from "./hook-helpers";

const generic = findPreset("generic-hmac")!;
const body = '{"email":"a@example.com"}';
const verify = (credentials: HookCredentials, headers: Record<string, string>) =>
  verifyHookRequest({ credentials, preset: generic, headers: new Headers(headers), rawBody: body, now: Date.now() });

describe("inbound hook verification (pure)", () => {
  it("HMAC: sha1 in base64 with a prefix; hex compares case-insensitively", async () => {
    const sha1 = { kind: "hmac", secret: "k3y-value", settings: { headerName: "X-Sig", algorithm: "sha1", encoding: "base64", prefix: "sha1=" } } as const;
    const sha1Signature = await hmac("SHA-1", "k3y-value", body, "base64");
    expect(await verify(sha1, { "x-sig": `sha1=${sha1Signature}` })).toEqual({ ok: true, signature: sha1Signature });
    expect(await verify(sha1, { "x-sig": await hmac("SHA-1", "k3y-value", body, "base64") })).toMatchObject({ ok: false, code: "SIGNATURE_INVALID", cause: expect.stringMatching(/start with 'sha1='/) });
    const hex = { kind: "hmac", secret: "k3y-value", settings: { headerName: "X-Sig", algorithm: "sha256", encoding: "hex", prefix: "" } } as const;
    // The signature an exact resend is recognised by is ours, so a resend in upper case is the same delivery.
    const hexSignature = await hmac("SHA-256", "k3y-value", body, "hex");
    expect(await verify(hex, { "x-sig": hexSignature.toUpperCase() })).toEqual({ ok: true, signature: hexSignature });
  });

  it("HMAC over a signed timestamp: only within 5 minutes of our clock, either way", async () => {
    const bamboo = findPreset("bamboohr")!;
    const credentials = { kind: "hmac", secret: "bamboo-key", settings: { headerName: "X-BambooHR-Signature", algorithm: "sha256", encoding: "hex", prefix: "" } } as const;
    const now = Date.UTC(2026, 0, 1, 12);
    const signedAt = async (timestamp: string) =>
      verifyHookRequest({
        credentials,
        preset: bamboo,
        headers: new Headers({ "x-bamboohr-timestamp": timestamp, "x-bamboohr-signature": await hmac("SHA-256", "bamboo-key", body + timestamp, "hex") }),
        rawBody: body,
        now,
      });
    const seconds = (offset: number) => String(Math.floor(now / 1000) + offset);
    expect(await signedAt(seconds(-5 * 60))).toMatchObject({ ok: true });
    expect(await signedAt(seconds(5 * 60))).toMatchObject({ ok: true });
    expect(await signedAt(seconds(-5 * 60 - 1))).toEqual({ ok: false, code: "SIGNATURE_INVALID", cause: "X-BambooHR-Timestamp is more than 5 minutes old" });
    expect(await signedAt(seconds(5 * 60 + 1))).toEqual({ ok: false, code: "SIGNATURE_INVALID", cause: "X-BambooHR-Timestamp is more than 5 minutes in the future" });
    expect(await signedAt("2026-01-01T12:00:00Z")).toEqual({ ok: false, code: "SIGNATURE_INVALID", cause: "X-BambooHR-Timestamp is not a number of seconds" });
    // A body signed in 2001 is refused however good its signature.
    expect(await signedAt("1000000000")).toMatchObject({ ok: false, code: "SIGNATURE_INVALID" });
  });

  it("a verifier that cannot run throws instead of passing", async () => {
    const unknownAlgorithm = { kind: "hmac", secret: "k3y-value", settings: { headerName: "X-Sig", algorithm: "md5" as never, encoding: "hex", prefix: "" } } as const;
    await expect(verify(unknownAlgorithm, { "x-sig": "00" })).rejects.toThrow(/Unsupported HMAC algorithm/);
    const noHeader = { kind: "header_secret", secret: "k3y-value", settings: {} } as const;
    await expect(verify(noHeader, { authorization: "k3y-value" })).rejects.toThrow(/no header name/);
    const badSecret = { kind: "standard_webhooks", secret: "whsec_!!!", settings: {} } as const;
    const now = String(Math.floor(Date.now() / 1000));
    await expect(verify(badSecret, { "webhook-id": "m", "webhook-timestamp": now, "webhook-signature": "v1,AAAA" })).rejects.toThrow();
    await expect(verify({ kind: "oauth" as never, secret: "x", settings: {} }, {})).rejects.toThrow(/Unsupported inbound hook auth kind/);
  });
});
