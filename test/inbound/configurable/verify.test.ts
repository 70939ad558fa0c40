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
    expect(await verify(sha1, { "x-sig": `sha1=${await hmac("SHA-1", "k3y-value", body, "base64")}` })).toEqual({ ok: true });
    expect(await verify(sha1, { "x-sig": await hmac("SHA-1", "k3y-value", body, "base64") })).toMatchObject({ ok: false, code: "SIGNATURE_INVALID", cause: expect.stringMatching(/start with 'sha1='/) });
    const hex = { kind: "hmac", secret: "k3y-value", settings: { headerName: "X-Sig", algorithm: "sha256", encoding: "hex", prefix: "" } } as const;
    expect(await verify(hex, { "x-sig": (await hmac("SHA-256", "k3y-value", body, "hex")).toUpperCase() })).toEqual({ ok: true });
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
