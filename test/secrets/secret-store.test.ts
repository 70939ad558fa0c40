import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { masterKey, seal, unseal } from "../../src/secrets/seal";
import { secretStore } from "../../src/secrets/secret-store";

const OTHER_KEY = btoa("another-master-key-of-32-bytes!!");

describe("sealed secrets (invariant 4)", () => {
  it("round-trips and never stores the plaintext in KV", async () => {
    const store = secretStore(env);
    const ref = await store.put({ tenantId: "ten_a", purpose: "callback" }, "p@ssw0rd-plaintext");
    expect(ref).toMatch(/^secret:ten_a:callback:sec_/);
    const raw = await env.SECRETS.get(ref);
    expect(raw).toMatch(/^v1\./);
    expect(raw).not.toContain("p@ssw0rd-plaintext");
    expect(raw).not.toContain(btoa("p@ssw0rd-plaintext"));
    expect(await store.get("ten_a", ref)).toBe("p@ssw0rd-plaintext");
  });

  it("uses a fresh IV: sealing the same value twice differs", async () => {
    const key = await masterKey(env.MASTER_KEY);
    const context = { tenantId: "t", purpose: "p" };
    expect(await seal(key, "same", context)).not.toBe(await seal(key, "same", context));
  });

  it("binds tenant and purpose as AAD: another tenant or purpose cannot open it", async () => {
    const key = await masterKey(env.MASTER_KEY);
    const sealed = await seal(key, "secret", { tenantId: "ten_a", purpose: "callback" });
    await expect(unseal(key, sealed, { tenantId: "ten_b", purpose: "callback" })).rejects.toThrow(/does not open/);
    await expect(unseal(key, sealed, { tenantId: "ten_a", purpose: "signing" })).rejects.toThrow(/does not open/);
  });

  it("refuses a tampered value, a wrong master key and a foreign reference", async () => {
    const key = await masterKey(env.MASTER_KEY);
    const context = { tenantId: "ten_a", purpose: "callback" };
    const sealed = await seal(key, "secret", context);
    const [version, iv, body] = sealed.split(".");
    const flipped = `${version}.${iv}.${body!.startsWith("A") ? "B" : "A"}${body!.slice(1)}`;
    await expect(unseal(key, flipped, context)).rejects.toThrow();
    await expect(unseal(await masterKey(OTHER_KEY), sealed, context)).rejects.toThrow();
    const ref = await secretStore(env).put(context, "secret");
    await expect(secretStore(env).get("ten_b", ref)).rejects.toThrow(/another tenant/);
  });
});
