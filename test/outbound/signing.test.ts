import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { fromBase64 } from "../../src/runtime/crypto";
import { SECRET_ROTATION_OVERLAP_MS, generateSigningSecret, signatureHeaders, verifyStandardWebhook } from "../../src/outbound/signing";

// The test vector published with the Standard Webhooks specification.
const SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const OLD_SECRET = "whsec_" + btoa("old-secret-0123456789abcdef-old!");
const NEW_SECRET = "whsec_" + btoa("new-secret-0123456789abcdef-new!");
const BODY = JSON.stringify({ event: "update", form: "User", id: "USR000000000001", values: { Status: "Active", Name: "Zoë" } });

/** Headers as the standardwebhooks package wants them (every value a string). */
function plain(headers: Awaited<ReturnType<typeof signatureHeaders>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("outbound signatures", () => {
  it("match the Standard Webhooks specification's test vector", async () => {
    const headers = await signatureHeaders({ id: SPEC_ID, timestamp: SPEC_TIMESTAMP, body: SPEC_BODY, secrets: [SPEC_SECRET] });
    expect(headers).toEqual({ "webhook-id": SPEC_ID, "webhook-timestamp": String(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE });
  });

  it("are accepted by the standardwebhooks package", async () => {
    const headers = await signatureHeaders({ id: "msg_1_WBH000000000101", timestamp: nowSeconds(), body: BODY, secrets: [NEW_SECRET] });
    expect(new Webhook(NEW_SECRET).verify(BODY, plain(headers))).toEqual(JSON.parse(BODY));
  });

  it("are refused by the standardwebhooks package under another secret, body or id", async () => {
    const timestamp = nowSeconds();
    const headers = plain(await signatureHeaders({ id: "msg_1", timestamp, body: BODY, secrets: [NEW_SECRET] }));
    expect(() => new Webhook(OLD_SECRET).verify(BODY, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(NEW_SECRET).verify(BODY.replace("Active", "Inactive"), headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(NEW_SECRET).verify(BODY, { ...headers, "webhook-id": "msg_2" })).toThrow(/No matching signature/);
  });

  it("during a rotation carry both signatures, new first, so receivers with either secret accept them", async () => {
    const headers = await signatureHeaders({ id: "msg_7", timestamp: nowSeconds(), body: BODY, secrets: [NEW_SECRET, OLD_SECRET] });
    const signatures = headers["webhook-signature"]?.split(" ") ?? [];
    expect(signatures).toHaveLength(2);
    expect(signatures.every((signature) => /^v1,[A-Za-z0-9+/]{43}=$/.test(signature))).toBe(true);
    expect(new Webhook(NEW_SECRET).verify(BODY, plain(headers))).toEqual(JSON.parse(BODY));
    expect(new Webhook(OLD_SECRET).verify(BODY, plain(headers))).toEqual(JSON.parse(BODY));
    const newOnly = await signatureHeaders({ id: "msg_7", timestamp: Number(headers["webhook-timestamp"]), body: BODY, secrets: [NEW_SECRET] });
    expect(signatures[0]).toBe(newOnly["webhook-signature"]);
    expect(SECRET_ROTATION_OVERLAP_MS).toBe(24 * 60 * 60 * 1000);
  });

  it("the same delivery keeps its webhook-id on a retry while its timestamp and signature move on", async () => {
    const first = await signatureHeaders({ id: "msg_9", timestamp: SPEC_TIMESTAMP, body: BODY, secrets: [NEW_SECRET] });
    const retry = await signatureHeaders({ id: "msg_9", timestamp: SPEC_TIMESTAMP + 5, body: BODY, secrets: [NEW_SECRET] });
    expect(retry["webhook-id"]).toBe(first["webhook-id"]);
    expect(retry["webhook-signature"]).not.toBe(first["webhook-signature"]);
  });

  it("without a signing secret still carry the id and timestamp, but no signature", async () => {
    expect(await signatureHeaders({ id: "msg_3", timestamp: SPEC_TIMESTAMP, body: BODY, secrets: [] })).toEqual({
      "webhook-id": "msg_3",
      "webhook-timestamp": String(SPEC_TIMESTAMP),
    });
  });

  it("sign the body's bytes: a string and its UTF-8 bytes give the same signature", async () => {
    const input = { id: "msg_4", timestamp: SPEC_TIMESTAMP, secrets: [NEW_SECRET] };
    const fromString = await signatureHeaders({ ...input, body: BODY });
    const fromBytes = await signatureHeaders({ ...input, body: new TextEncoder().encode(BODY) });
    expect(fromBytes).toEqual(fromString);
  });

  it("accept a secret without the whsec_ prefix, as the reference libraries do", async () => {
    const input = { id: SPEC_ID, timestamp: SPEC_TIMESTAMP, body: SPEC_BODY };
    const bare = await signatureHeaders({ ...input, secrets: [SPEC_SECRET.slice("whsec_".length)] });
    expect(bare["webhook-signature"]).toBe(SPEC_SIGNATURE);
  });

  it.each([
    ["not base64", "whsec_not base64!!"],
    ["empty", "whsec_"],
  ])("refuse a secret that is %s, without echoing it", async (_, secret) => {
    const signing = signatureHeaders({ id: "msg_5", timestamp: SPEC_TIMESTAMP, body: BODY, secrets: [secret] });
    await expect(signing).rejects.toThrow(/Signing secret/);
    await expect(signing).rejects.not.toThrow(secret);
  });
});

describe("generateSigningSecret", () => {
  it("is whsec_ and the base64 of 32 random bytes by default, different every time", () => {
    const secrets = Array.from({ length: 20 }, () => generateSigningSecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      expect(fromBase64(secret.slice("whsec_".length))).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it.each([24, 32, 64])("accepts %i bytes", (bytes) => {
    expect(fromBase64(generateSigningSecret(bytes).slice("whsec_".length))).toHaveLength(bytes);
  });

  it.each([0, 16, 23, 65, 24.5])("refuses %d bytes", (bytes) => {
    expect(() => generateSigningSecret(bytes)).toThrow(RangeError);
  });

  it("works with the standardwebhooks package both ways", async () => {
    const secret = generateSigningSecret();
    const timestamp = nowSeconds();
    const ours = await signatureHeaders({ id: "msg_6", timestamp, body: BODY, secrets: [secret] });
    expect(new Webhook(secret).verify(BODY, plain(ours))).toEqual(JSON.parse(BODY));
    const theirs = new Webhook(secret).sign("msg_6", new Date(timestamp * 1000), BODY);
    expect(theirs).toBe(ours["webhook-signature"]);
  });
});

describe("verifyStandardWebhook (inbound)", () => {
  const now = SPEC_TIMESTAMP * 1000;
  const signedBy = (secret: string, id = "msg_in_1", timestamp = SPEC_TIMESTAMP, body = BODY) => ({
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
  });

  it("accepts a request signed by the standardwebhooks package", async () => {
    expect(await verifyStandardWebhook(signedBy(NEW_SECRET), BODY, [NEW_SECRET], now)).toEqual({ ok: true, id: "msg_in_1", timestamp: SPEC_TIMESTAMP });
  });

  it("accepts the specification's test vector", async () => {
    const headers = { "webhook-id": SPEC_ID, "webhook-timestamp": String(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE };
    expect((await verifyStandardWebhook(headers, SPEC_BODY, [SPEC_SECRET], now)).ok).toBe(true);
  });

  it("accepts a Headers object and header names in any case", async () => {
    const headers = signedBy(NEW_SECRET);
    expect((await verifyStandardWebhook(new Headers(headers), BODY, [NEW_SECRET], now)).ok).toBe(true);
    const shouting = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
    expect((await verifyStandardWebhook(shouting, BODY, [NEW_SECRET], now)).ok).toBe(true);
  });

  it("accepts when any of our secrets matches any v1 signature in the header", async () => {
    const headers = signedBy(OLD_SECRET);
    const signature = headers["webhook-signature"];
    const crowded = { ...headers, "webhook-signature": `v1a,${signature.slice(3)} v1,AAAA v1,!!! ${signature}  v2,xyz` };
    expect((await verifyStandardWebhook(crowded, BODY, [NEW_SECRET, OLD_SECRET], now)).ok).toBe(true);
  });

  it.each<[string, (headers: Record<string, string>) => Record<string, string>, string, string[], string]>([
    ["no webhook-id", ({ "webhook-id": _, ...rest }) => rest, BODY, [NEW_SECRET], "missing_headers"],
    ["no webhook-timestamp", ({ "webhook-timestamp": _, ...rest }) => rest, BODY, [NEW_SECRET], "missing_headers"],
    ["no webhook-signature", ({ "webhook-signature": _, ...rest }) => rest, BODY, [NEW_SECRET], "missing_headers"],
    ["a timestamp that is not a number", (headers) => ({ ...headers, "webhook-timestamp": "yesterday" }), BODY, [NEW_SECRET], "invalid_timestamp"],
    ["a timestamp in milliseconds", (headers) => ({ ...headers, "webhook-timestamp": String(now) }), BODY, [NEW_SECRET], "timestamp_too_new"],
    ["another secret", (headers) => headers, BODY, [OLD_SECRET], "no_matching_signature"],
    ["no secrets at all", (headers) => headers, BODY, [], "no_matching_signature"],
    ["a changed body", (headers) => headers, BODY.replace("Active", "Inactive"), [NEW_SECRET], "no_matching_signature"],
    ["a changed id", (headers) => ({ ...headers, "webhook-id": "msg_in_2" }), BODY, [NEW_SECRET], "no_matching_signature"],
    ["only a v1a signature", (headers) => ({ ...headers, "webhook-signature": headers["webhook-signature"]!.replace("v1,", "v1a,") }), BODY, [NEW_SECRET], "no_matching_signature"],
    ["a truncated signature", (headers) => ({ ...headers, "webhook-signature": headers["webhook-signature"]!.slice(0, -4) }), BODY, [NEW_SECRET], "no_matching_signature"],
    ["a signature that is not base64", (headers) => ({ ...headers, "webhook-signature": "v1,***" }), BODY, [NEW_SECRET], "no_matching_signature"],
  ])("refuses a request with %s", async (_, change, body, secrets, reason) => {
    expect(await verifyStandardWebhook(change(signedBy(NEW_SECRET)), body, secrets, now)).toEqual({ ok: false, reason });
  });

  it("refuses a changed timestamp even within the tolerance", async () => {
    const headers = { ...signedBy(NEW_SECRET), "webhook-timestamp": String(SPEC_TIMESTAMP + 1) };
    expect(await verifyStandardWebhook(headers, BODY, [NEW_SECRET], now)).toEqual({ ok: false, reason: "no_matching_signature" });
  });

  it.each([
    [-301, 300, "timestamp_too_old"],
    [-300, 300, null],
    [0, 300, null],
    [300, 300, null],
    [301, 300, "timestamp_too_new"],
    [-61, 60, "timestamp_too_old"],
    [61, 60, "timestamp_too_new"],
    [-60, 60, null],
  ])("a timestamp %i s off with a tolerance of %i s: %s", async (offset, tolerance, reason) => {
    const timestamp = SPEC_TIMESTAMP + offset;
    const result = await verifyStandardWebhook(signedBy(NEW_SECRET, "msg_t", timestamp), BODY, [NEW_SECRET], now, tolerance);
    expect(result).toEqual(reason === null ? { ok: true, id: "msg_t", timestamp } : { ok: false, reason });
  });

  it("verifies the body's exact bytes, including bytes that are not UTF-8", async () => {
    const body = new Uint8Array([0xff, 0x00, 0x7b, 0x80]);
    const headers = await signatureHeaders({ id: "msg_bin", timestamp: SPEC_TIMESTAMP, body, secrets: [NEW_SECRET] });
    expect((await verifyStandardWebhook(plain(headers), body, [NEW_SECRET], now)).ok).toBe(true);
    expect((await verifyStandardWebhook(plain(headers), new Uint8Array([0xff, 0x00, 0x7b, 0x81]), [NEW_SECRET], now)).ok).toBe(false);
  });
});
