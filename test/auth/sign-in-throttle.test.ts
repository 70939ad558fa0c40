/** The sign-in throttle's rule, pure: window arithmetic with an injected clock, and the counter keys. */
import { describe, expect, it } from "vitest";
import { MAX_SIGN_IN_FAILURES, SIGN_IN_WINDOW_MS, accountKey, addressKey, refusal, windowExpired } from "../../src/auth/sign-in-throttle";

const START = 1_700_000_000_000;
const count = (failures: number, windowStartedAt = START, key = "account:ten_a:ops@example.com") => ({ key, failures, windowStartedAt });

describe("refusal", () => {
  it("lets sign-ins through below the limit, and with no counters at all", () => {
    expect(MAX_SIGN_IN_FAILURES).toBe(10);
    expect(SIGN_IN_WINDOW_MS).toBe(15 * 60 * 1000);
    expect(refusal([], START)).toBeNull();
    expect(refusal([count(MAX_SIGN_IN_FAILURES - 1)], START + 1_000)).toBeNull();
  });

  it("refuses at the limit until the window ends, with Retry-After the whole seconds left (at least 1)", () => {
    expect(refusal([count(10)], START + 1_000)).toEqual({ keys: [count(10).key], retryAfterSeconds: 899 });
    expect(refusal([count(25)], START + 1_000)).toEqual({ keys: [count(10).key], retryAfterSeconds: 899 });
    expect(refusal([count(10)], START + SIGN_IN_WINDOW_MS - 1_500)?.retryAfterSeconds).toBe(2);
    expect(refusal([count(10)], START + SIGN_IN_WINDOW_MS - 1)?.retryAfterSeconds).toBe(1);
    expect(refusal([count(10)], START + SIGN_IN_WINDOW_MS)).toBeNull();
    expect(windowExpired(count(10), START + SIGN_IN_WINDOW_MS - 1)).toBe(false);
    expect(windowExpired(count(10), START + SIGN_IN_WINDOW_MS)).toBe(true);
  });

  it("names only the counters over the limit, and waits for the one whose window ends last", () => {
    const account = count(10, START, "account:ten_a:ops@example.com");
    const address = count(12, START + 60_000, "address:ten_a:192.0.2.1");
    const below = count(3, START, "account:ten_a:other@example.com");
    expect(refusal([account, address, below], START + 120_000)).toEqual({ keys: [account.key, address.key], retryAfterSeconds: 840 });
    // Once the account's window has passed, only the address still refuses.
    expect(refusal([account, address, below], START + SIGN_IN_WINDOW_MS)).toEqual({ keys: [address.key], retryAfterSeconds: 60 });
  });
});

describe("counter keys", () => {
  it("an account is its tenant and its email, whatever the case", () => {
    expect(accountKey("ten_a", " Ops@Example.COM ")).toBe("account:ten_a:ops@example.com");
    expect(accountKey("ten_b", "ops@example.com")).not.toBe(accountKey("ten_a", "ops@example.com"));
  });

  it("an address is its tenant and CF-Connecting-IP; without the header every request shares one counter", () => {
    expect(addressKey("ten_a", "192.0.2.1")).toBe("address:ten_a:192.0.2.1");
    expect(addressKey("ten_a", "::ffff:192.0.2.1")).toBe("address:ten_a:192.0.2.1");
    expect(addressKey("ten_a", undefined)).toBe("address:ten_a:unknown");
    expect(addressKey("ten_a", "")).toBe("address:ten_a:unknown");
  });

  it("an IPv6 address counts for its /64, however it is written", () => {
    const key = addressKey("ten_a", "2001:db8:1:2::1");
    expect(key).toBe("address:ten_a:2001:db8:1:2::/64");
    expect(addressKey("ten_a", "2001:0DB8:0001:0002:ffff:ffff:ffff:fffe")).toBe(key);
    expect(addressKey("ten_a", "2001:db8:1:3::1")).not.toBe(key);
    expect(addressKey("ten_a", "2001:db8::1")).toBe("address:ten_a:2001:db8:0:0::/64");
    expect(addressKey("ten_a", "::1")).toBe("address:ten_a:0:0:0:0::/64");
  });
});
