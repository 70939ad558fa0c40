import { describe, expect, it } from "vitest";
import { parseAuthorization } from "../../src/auth/authorization-header";

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

describe("parseAuthorization", () => {
  it("reads a bare API key, as seed 000's vendors send it", () => {
    expect(parseAuthorization("hg_abc")).toEqual({ kind: "api_key", key: "hg_abc" });
  });

  it("reads a Bearer API key, any scheme casing", () => {
    expect(parseAuthorization("Bearer hg_abc")).toEqual({ kind: "api_key", key: "hg_abc" });
    expect(parseAuthorization("bearer hg_abc")).toEqual({ kind: "api_key", key: "hg_abc" });
  });

  it("reads an issued lifecycle hook token (hglt_), Bearer or bare, apart from API keys", () => {
    expect(parseAuthorization("Bearer hglt_abc")).toEqual({ kind: "lifecycle_token", token: "hglt_abc" });
    expect(parseAuthorization("hglt_abc")).toEqual({ kind: "lifecycle_token", token: "hglt_abc" });
    expect(parseAuthorization("Bearer hg_lt")).toEqual({ kind: "api_key", key: "hg_lt" });
  });

  it("reads Basic service-account credentials, lower-casing the email", () => {
    expect(parseAuthorization(basic("Svc@Acme.example", "pa:ss word"))).toEqual({
      kind: "service_account",
      email: "svc@acme.example",
      password: "pa:ss word",
    });
  });

  it.each([undefined, "", "   ", "Bearer", "Basic", "Basic !!!notbase64", `Basic ${btoa("no-colon")}`, "Token a b"])(
    "rejects %j",
    (header) => {
      expect(parseAuthorization(header)).toBeNull();
    },
  );
});
