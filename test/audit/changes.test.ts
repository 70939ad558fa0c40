/** The audit log's pure parts: secret redaction, field diffs, actors and `created_by`, and which keys a key minted. */
import { describe, expect, it } from "vitest";
import { CHANGED, fieldChanges, redactSecrets } from "../../src/audit/changes";
import { actorFromCreatedBy, actorOf, createdByOf } from "../../src/audit/actor";
import { keysMintedBy } from "../../src/api-keys/minted-keys";

describe("redactSecrets", () => {
  it("writes every secret-named field as changed, at any depth, and keeps the rest", () => {
    const redacted = redactSecrets({
      password: "p",
      token: "t",
      secret: "s",
      signingSecret: "whsec_x",
      key: "hg_x",
      apiKey: "k",
      auth: { kind: "hmac", secret: "nested", headerName: "X-Sig" },
      authSettings: { clientSecret: "c", accessSecretKey: "a", accessKey: "AK", tokenUrl: "https://t.example", authHeaderTokenName: "IMS-JWT" },
      list: [{ password: "in array" }],
      name: "kept",
    });
    expect(redacted).toEqual({
      password: CHANGED,
      token: CHANGED,
      secret: CHANGED,
      signingSecret: CHANGED,
      key: CHANGED,
      apiKey: CHANGED,
      auth: { kind: "hmac", secret: CHANGED, headerName: "X-Sig" },
      authSettings: { clientSecret: CHANGED, accessSecretKey: CHANGED, accessKey: "AK", tokenUrl: "https://t.example", authHeaderTokenName: "IMS-JWT" },
      list: [{ password: CHANGED }],
      name: "kept",
    });
    expect(JSON.stringify(redacted)).not.toMatch(/"p"|"t"|nested|whsec_x|hg_x|in array/);
  });
});

describe("fieldChanges", () => {
  it("keeps only the fields whose value differs, whatever the key order of objects", () => {
    const before = { name: "a", settings: { x: 1, y: [1, 2] }, enabled: true, extra: "ignored" };
    expect(fieldChanges(before, { name: "a", settings: { y: [1, 2], x: 1 }, enabled: false })).toEqual({ enabled: false });
    expect(fieldChanges({}, { name: "a", list: [] })).toEqual({ name: "a", list: [] });
    expect(fieldChanges({ value: null }, { value: null })).toEqual({});
  });
});

describe("actors and created_by", () => {
  it("round-trips every actor kind; a portal call is the portal sign-in", () => {
    for (const actor of [{ kind: "api_key", id: "key_1" }, { kind: "service_account", id: "sa_1" }, { kind: "portal", id: "ops@example.com" }, { kind: "admin", id: "admin" }] as const) {
      expect(actorFromCreatedBy(createdByOf(actor))).toEqual(actor);
    }
    expect(createdByOf({ kind: "admin", id: "admin" })).toBe("admin");
    expect(actorFromCreatedBy(null)).toBeNull();
    expect(actorFromCreatedBy("somebody")).toBeNull();
    const principal = { kind: "service_account" as const, id: "sa_1", tenantId: "ten_1", scopes: ["api"] };
    expect(actorOf(principal)).toEqual({ kind: "service_account", id: "sa_1" });
    expect(actorOf({ ...principal, portalSignIn: "ops@example.com" })).toEqual({ kind: "portal", id: "ops@example.com" });
  });
});

describe("keysMintedBy", () => {
  it("follows keys made by the key and in its portal sessions, transitively, and nothing else", () => {
    const keys = [
      { id: "root", createdBy: "admin" },
      { id: "a", createdBy: "api_key:root" },
      { id: "b", createdBy: "portal:root" },
      { id: "c", createdBy: "api_key:a" },
      { id: "d", createdBy: "portal:b" },
      { id: "other", createdBy: "api_key:elsewhere" },
      { id: "by-account", createdBy: "portal:ops@example.com" },
      { id: "old", createdBy: null },
    ];
    expect(keysMintedBy(keys, "root")).toEqual(["a", "b", "c", "d"]);
    expect(keysMintedBy(keys, "a")).toEqual(["c"]);
    expect(keysMintedBy(keys, "c")).toEqual([]);
  });

  it("ends on a cycle", () => {
    const keys = [
      { id: "x", createdBy: "api_key:y" },
      { id: "y", createdBy: "api_key:x" },
    ];
    expect(keysMintedBy(keys, "x")).toEqual(["y"]);
  });
});
