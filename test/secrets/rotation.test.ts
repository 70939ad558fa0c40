/** MASTER_KEY rotation: opening with the previous key, and the reseal walk, with explicit keys against the real KV. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../src/runtime/crypto";
import { configSchema } from "../../src/runtime/env";
import { masterKey, masterKeys, resealValue, seal } from "../../src/secrets/seal";
import { resealSecrets, secretStore, SecretStore, type MasterKeyConfig, type ResealReport } from "../../src/secrets/secret-store";

const newKey = (): string => toBase64(crypto.getRandomValues(new Uint8Array(32)));

let counter = 0;
/** A tenant id no other test uses, so each walk sees only its own secrets. */
const uniqueTenant = (): string => `ten_rot${Date.now().toString(36)}${(counter++).toString(36)}`;
const prefixOf = (tenantId: string): string => `secret:${tenantId}:`;

/** Walks every page, as an operator repeating the route until the cursor is null. */
async function resealAll(keys: MasterKeyConfig, tenantId: string, limit?: number): Promise<Omit<ResealReport, "cursor"> & { pages: number }> {
  const total = { resealed: 0, alreadyCurrent: 0, failed: 0, failedRefs: [] as string[], pages: 0 };
  let cursor: string | undefined;
  do {
    const page = await resealSecrets(env.SECRETS, keys, { prefix: prefixOf(tenantId), cursor, limit });
    total.resealed += page.resealed;
    total.alreadyCurrent += page.alreadyCurrent;
    total.failed += page.failed;
    total.failedRefs.push(...page.failedRefs);
    total.pages++;
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return total;
}

async function rawValues(refs: string[]): Promise<(string | null)[]> {
  return Promise.all(refs.map((ref) => env.SECRETS.get(ref)));
}

describe("MASTER_KEY rotation", () => {
  it("values sealed under the old key still open after rotation, and only with MASTER_KEY_PREVIOUS set", async () => {
    const [oldKey, newKeyValue] = [newKey(), newKey()];
    const tenantId = uniqueTenant();
    const ref = await new SecretStore(env.SECRETS, { current: oldKey }).put({ tenantId, purpose: "callback" }, "old-secret");
    expect(await new SecretStore(env.SECRETS, { current: newKeyValue, previous: oldKey }).get(tenantId, ref)).toBe("old-secret");
    await expect(new SecretStore(env.SECRETS, { current: newKeyValue }).get(tenantId, ref)).rejects.toThrow(/does not open/);
    // secretStore(env) reads MASTER_KEY_PREVIOUS from the Worker's env.
    const rotatedEnv = { SECRETS: env.SECRETS, MASTER_KEY: newKeyValue, MASTER_KEY_PREVIOUS: oldKey };
    expect(await secretStore(rotatedEnv).get(tenantId, ref)).toBe("old-secret");
    expect(await secretStore({ ...rotatedEnv, MASTER_KEY_PREVIOUS: "" }).get(tenantId, ref).catch(() => "refused")).toBe("refused");
  });

  it("new secrets are sealed under the current key during a rotation", async () => {
    const [oldKey, newKeyValue] = [newKey(), newKey()];
    const tenantId = uniqueTenant();
    const ref = await new SecretStore(env.SECRETS, { current: newKeyValue, previous: oldKey }).put({ tenantId, purpose: "token" }, "fresh");
    expect(await new SecretStore(env.SECRETS, { current: newKeyValue }).get(tenantId, ref)).toBe("fresh");
  });

  it("reseal converts old values; after it and without MASTER_KEY_PREVIOUS they still open", async () => {
    const [oldKey, newKeyValue] = [newKey(), newKey()];
    const tenantId = uniqueTenant();
    const oldStore = new SecretStore(env.SECRETS, { current: oldKey });
    const refs = [
      await oldStore.put({ tenantId, purpose: "callback" }, '{"password":"Demo123"}'),
      await oldStore.put({ tenantId, purpose: "signing" }, "whsec_abc"),
      await oldStore.put({ tenantId, purpose: "lifecycle-token" }, "tok-1"),
    ];
    const current = await new SecretStore(env.SECRETS, { current: newKeyValue }).put({ tenantId, purpose: "callback" }, "already-new");
    const before = await rawValues([...refs, current]);

    expect(await resealAll({ current: newKeyValue, previous: oldKey }, tenantId)).toMatchObject({ resealed: 3, alreadyCurrent: 1, failed: 0 });

    const after = await rawValues([...refs, current]);
    for (let index = 0; index < refs.length; index++) {
      expect(after[index]).toMatch(/^v1\./);
      expect(after[index]).not.toBe(before[index]);
    }
    expect(after[3]).toBe(before[3]);
    const newOnly = new SecretStore(env.SECRETS, { current: newKeyValue });
    expect(await Promise.all(refs.map((ref) => newOnly.get(tenantId, ref)))).toEqual(['{"password":"Demo123"}', "whsec_abc", "tok-1"]);
    expect(await newOnly.get(tenantId, current)).toBe("already-new");
    await expect(new SecretStore(env.SECRETS, { current: oldKey }).get(tenantId, refs[0]!)).rejects.toThrow(/does not open/);
  });

  it("is idempotent: a second run rewrites nothing and counts everything as current", async () => {
    const [oldKey, newKeyValue] = [newKey(), newKey()];
    const tenantId = uniqueTenant();
    const oldStore = new SecretStore(env.SECRETS, { current: oldKey });
    const refs = [await oldStore.put({ tenantId, purpose: "a" }, "one"), await oldStore.put({ tenantId, purpose: "b" }, "two")];
    const keys = { current: newKeyValue, previous: oldKey };
    expect(await resealAll(keys, tenantId)).toMatchObject({ resealed: 2, alreadyCurrent: 0, failed: 0 });
    const once = await rawValues(refs);
    expect(await resealAll(keys, tenantId)).toMatchObject({ resealed: 0, alreadyCurrent: 2, failed: 0 });
    expect(await rawValues(refs)).toEqual(once);
    // Without the previous key (after the rotation is finished) the walk is a no-op too.
    expect(await resealAll({ current: newKeyValue }, tenantId)).toMatchObject({ resealed: 0, alreadyCurrent: 2, failed: 0 });
  });

  it("counts a value that opens with neither key as failed and leaves it in place", async () => {
    const [oldKey, newKeyValue, strangerKey] = [newKey(), newKey(), newKey()];
    const tenantId = uniqueTenant();
    const stranger = await new SecretStore(env.SECRETS, { current: strangerKey }).put({ tenantId, purpose: "callback" }, "lost");
    const garbage = `secret:${tenantId}:callback:sec_garbage`;
    await env.SECRETS.put(garbage, "not-a-sealed-value");
    // A value copied from another tenant: the AAD (tenant + purpose) still refuses it, whichever key sealed it.
    const copied = `secret:${tenantId}:callback:sec_copied`;
    await env.SECRETS.put(copied, await seal(await masterKey(oldKey), "elsewhere", { tenantId: "ten_other", purpose: "callback" }));
    const good = await new SecretStore(env.SECRETS, { current: oldKey }).put({ tenantId, purpose: "callback" }, "kept");
    const before = await rawValues([stranger, garbage, copied]);

    const keys = { current: newKeyValue, previous: oldKey };
    const walk = await resealAll(keys, tenantId);
    expect(walk).toMatchObject({ resealed: 1, alreadyCurrent: 0, failed: 3 });
    expect(walk.failedRefs.sort()).toEqual([stranger, garbage, copied].sort());
    expect(await rawValues([stranger, garbage, copied])).toEqual(before);
    expect(await resealAll(keys, tenantId)).toMatchObject({ resealed: 0, alreadyCurrent: 1, failed: 3 });
    expect(await new SecretStore(env.SECRETS, { current: strangerKey }).get(tenantId, stranger)).toBe("lost");
    expect(await new SecretStore(env.SECRETS, { current: newKeyValue }).get(tenantId, good)).toBe("kept");
  });

  it("walks with cursor pagination: small pages add up to the whole set", async () => {
    const [oldKey, newKeyValue] = [newKey(), newKey()];
    const tenantId = uniqueTenant();
    const oldStore = new SecretStore(env.SECRETS, { current: oldKey });
    for (let index = 0; index < 5; index++) await oldStore.put({ tenantId, purpose: "p" }, `value-${index}`);
    const walk = await resealAll({ current: newKeyValue, previous: oldKey }, tenantId, 2);
    expect(walk).toEqual({ resealed: 5, alreadyCurrent: 0, failed: 0, failedRefs: [], pages: 3 });
    expect(await resealAll({ current: newKeyValue, previous: oldKey }, tenantId, 2)).toMatchObject({ resealed: 0, alreadyCurrent: 5 });
  });

  it("resealValue: current, previous and neither", async () => {
    const keys = await masterKeys(newKey(), newKey());
    const context = { tenantId: "ten_x", purpose: "p" };
    expect(await resealValue(keys, await seal(keys.current, "a", context), context)).toEqual({ kind: "current" });
    const outcome = await resealValue(keys, await seal(keys.previous!, "b", context), context);
    expect(outcome.kind).toBe("resealed");
    if (outcome.kind === "resealed") expect(await resealValue({ current: keys.current }, outcome.sealed, context)).toEqual({ kind: "current" });
    expect(await resealValue(keys, await seal(await masterKey(newKey()), "c", context), context)).toEqual({ kind: "failed" });
    expect(await resealValue(keys, "v9.x.y", context)).toEqual({ kind: "failed" });
  });

  it("MASTER_KEY_PREVIOUS is optional and validated like MASTER_KEY", () => {
    const valid = { BASE_DOMAIN: "localhost", ENVIRONMENT: "production", ADMIN_TOKEN: "x".repeat(16), MASTER_KEY: newKey() };
    expect(configSchema.safeParse(valid).success).toBe(true);
    expect(configSchema.safeParse({ ...valid, MASTER_KEY_PREVIOUS: newKey() }).success).toBe(true);
    const bad = configSchema.safeParse({ ...valid, MASTER_KEY_PREVIOUS: btoa("short") });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => issue.path.join("."))).toEqual(["MASTER_KEY_PREVIOUS"]);
  });
});
