/**
 * Password sign-in under the throttle, against the real D1: the counters' upsert (no lost increments, a new
 * window after the old one ends), what success and refusal do to each counter, pruning, and that an unknown
 * email is checked against the dummy hash (asserted through an injected verifier, not by timing).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, createTenant } from "../helpers";
import { database } from "../../src/db/client";
import { passwordSignIn } from "../../src/auth/password-sign-in";
import { DUMMY_PASSWORD_HASH, verifyPassword, type PasswordHash } from "../../src/auth/passwords";
import { accountKey, addressKey, SIGN_IN_WINDOW_MS } from "../../src/auth/sign-in-throttle";
import { pruneSignInFailures, readFailureCounts, recordFailures } from "../../src/auth/sign-in-failure-store";
import { AppError } from "../../src/runtime/errors";

const db = database(env.DB);
const PASSWORD = "the right password";

async function tenantWithAccount(email = "ops@example.com") {
  const tenant = await createTenant("sign-in");
  const created = await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email, password: PASSWORD } });
  expect(created.status).toBe(201);
  return tenant;
}

/** A verifier that records what it was asked and accepts PASSWORD (no PBKDF2, so tests stay fast). */
function countingVerifier() {
  const calls: PasswordHash[] = [];
  const verify = async (password: string, stored: PasswordHash) => {
    calls.push(stored);
    return password === PASSWORD;
  };
  return { calls, verify };
}

const failureCount = async (key: string) => (await readFailureCounts(db, [key]))[0]?.failures ?? 0;
const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as AppError);

describe("password sign-in", () => {
  it("checks an unknown or revoked email against the dummy hash: one PBKDF2 with the real iterations, never a match", async () => {
    const tenant = await tenantWithAccount();
    const { calls, verify } = countingVerifier();
    const now = Date.now();
    const unknown = await errorOf(passwordSignIn(db, { tenantId: tenant.id, email: "nobody@example.com", password: PASSWORD, connectingIp: "192.0.2.10" }, { now, verify }));
    expect(unknown?.code).toBe("UNAUTHORIZED");
    expect(calls).toEqual([DUMMY_PASSWORD_HASH]);

    const known = await passwordSignIn(db, { tenantId: tenant.id, email: "ops@example.com", password: PASSWORD, connectingIp: "192.0.2.10" }, { now, verify });
    expect(known).toMatchObject({ kind: "service_account", tenantId: tenant.id });
    expect(calls).toHaveLength(2);
    expect(calls[1]).not.toEqual(DUMMY_PASSWORD_HASH);
    // Same cost: the dummy hash has the iterations every stored hash has.
    expect(DUMMY_PASSWORD_HASH.iterations).toBe(calls[1]!.iterations);
    expect(DUMMY_PASSWORD_HASH.iterations).toBe(100_000);

    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts/${known.id}`, { method: "DELETE" });
    const revoked = await errorOf(passwordSignIn(db, { tenantId: tenant.id, email: "ops@example.com", password: PASSWORD, connectingIp: "192.0.2.10" }, { now, verify }));
    expect(revoked?.code).toBe("UNAUTHORIZED");
    expect(calls[2]).toBe(DUMMY_PASSWORD_HASH);
    // The real verifier runs the full PBKDF2 on the dummy and finds no match.
    expect(await verifyPassword(PASSWORD, DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it("a success clears the account's counter but not the address's", async () => {
    const tenant = await tenantWithAccount();
    const { verify } = countingVerifier();
    const now = Date.now();
    const signIn = (password: string) =>
      passwordSignIn(db, { tenantId: tenant.id, email: "ops@example.com", password, connectingIp: "192.0.2.20" }, { now, verify });
    for (let attempt = 0; attempt < 9; attempt++) expect((await errorOf(signIn("wrong")))?.code).toBe("UNAUTHORIZED");
    expect(await failureCount(accountKey(tenant.id, "ops@example.com"))).toBe(9);
    await signIn(PASSWORD);
    expect(await failureCount(accountKey(tenant.id, "ops@example.com"))).toBe(0);
    expect(await failureCount(addressKey(tenant.id, "192.0.2.20"))).toBe(9);
  });

  it("a refused attempt checks no password and counts only on the counters that refused it", async () => {
    const tenant = await tenantWithAccount();
    const { calls, verify } = countingVerifier();
    const now = Date.now();
    const address = addressKey(tenant.id, "192.0.2.30");
    for (let attempt = 0; attempt < 10; attempt++) {
      await errorOf(passwordSignIn(db, { tenantId: tenant.id, email: `guess-${attempt}@example.com`, password: "wrong", connectingIp: "192.0.2.30" }, { now, verify }));
    }
    expect(calls).toHaveLength(10);
    const refused = await errorOf(passwordSignIn(db, { tenantId: tenant.id, email: "ops@example.com", password: PASSWORD, connectingIp: "192.0.2.30" }, { now: now + 60_000, verify }));
    expect(refused?.code).toBe("RATE_LIMITED");
    expect(refused?.headers?.["Retry-After"]).toBe("840");
    expect(calls).toHaveLength(10);
    expect(await failureCount(address)).toBe(11);
    expect(await failureCount(accountKey(tenant.id, "ops@example.com"))).toBe(0);
  });
});

describe("the sign_in_failures store", () => {
  it("counts racing failures exactly: 20 parallel upserts make 20", async () => {
    const key = `account:ten_race_${crypto.randomUUID()}:ops@example.com`;
    const now = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => recordFailures(db, [key], now)));
    expect(await readFailureCounts(db, [key])).toEqual([{ key, failures: 20, windowStartedAt: now }]);
  });

  it("keeps the window where it is while it lasts, and starts a new one at 1 once it has ended", async () => {
    const key = `address:ten_window_${crypto.randomUUID()}:192.0.2.40`;
    const start = Date.now();
    await recordFailures(db, [key], start);
    await recordFailures(db, [key], start + SIGN_IN_WINDOW_MS - 1);
    expect(await readFailureCounts(db, [key])).toEqual([{ key, failures: 2, windowStartedAt: start }]);
    await recordFailures(db, [key], start + SIGN_IN_WINDOW_MS);
    expect(await readFailureCounts(db, [key])).toEqual([{ key, failures: 1, windowStartedAt: start + SIGN_IN_WINDOW_MS }]);
  });

  it("prunes counters whose window has ended, at most `limit` per call, and keeps live ones", async () => {
    const now = Date.now() + 1000 * SIGN_IN_WINDOW_MS;
    const tag = crypto.randomUUID();
    const ended = Array.from({ length: 3 }, (_, index) => `address:ten_prune_${tag}:ended-${index}`);
    const live = `address:ten_prune_${tag}:live`;
    await recordFailures(db, ended, now - SIGN_IN_WINDOW_MS);
    await recordFailures(db, [live], now - SIGN_IN_WINDOW_MS + 1);
    // Earlier tests' counters have ended too by then: a call takes 2 of them all, then the rest go.
    expect(await pruneSignInFailures(db, now, 2)).toBe(2);
    while ((await pruneSignInFailures(db, now, 2)) === 2);
    expect(await readFailureCounts(db, [...ended, live])).toEqual([{ key: live, failures: 1, windowStartedAt: now - SIGN_IN_WINDOW_MS + 1 }]);
  });
});
