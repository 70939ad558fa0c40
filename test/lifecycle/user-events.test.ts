/** Pure parts of the user events: which hook each fires, the sealed changePassword body, and that subscriptions never get them. */
import { describe, expect, it } from "vitest";
import { planLifecycleDeliveries, postHookFor, unsentPasswordRef } from "../../src/lifecycle/post-hooks";
import { sealedPasswordBody, sealedRefOf, withPassword } from "../../src/lifecycle/sealed-password";
import { buildHookRequest } from "../../src/lifecycle/hook-requests";
import { subscriptionMatches, type FanOutEvent } from "../../src/delivery/fan-out";
import type { Subscription } from "../../src/db/schema";

const USER = { first_name: "Shreyash2", last_name: "Pande2", login: "shreyash2", country: "India", user_type: "Employee", "1": "integer-like key", nested: { b: 1, a: [1, { z: null }] } };
const CONFIG = { baseUrl: "https://h.example/webhook", enabled: ["changePassword", "postProvision"] as const, createdAt: 0 };
const event = (type: FanOutEvent["type"], data: Record<string, unknown>) => ({ seq: 7, type, form: "User", recordId: "USR000000000001", data, createdAt: 10 });

describe("user events (pure)", () => {
  it("password fires changePassword, provision_result postProvision, provision nothing", () => {
    expect(postHookFor({ type: "password" })).toBe("changePassword");
    expect(postHookFor({ type: "provision_result" })).toBe("postProvision");
    expect(postHookFor({ type: "provision" })).toBeNull();
  });

  it("the stored changePassword body holds the reference; with the password put back it is hookBody's bytes exactly", () => {
    const ref = "secret:ten_1:lifecycle-password:sec_abc";
    const stored = sealedPasswordBody(USER, ref);
    expect(stored).not.toContain("Welcome@123");
    expect(sealedRefOf(stored)).toBe(ref);
    expect(withPassword(stored, "Welcome@123")).toBe(buildHookRequest({ baseUrl: "x", token: "t" }, { hook: "changePassword", user: USER, passwordText: "Welcome@123" }).body);
    expect(sealedRefOf(JSON.stringify({ request: { user: {}, passwordText: "clear" } }))).toBeNull();
    expect(sealedRefOf("not json")).toBeNull();
  });

  it("a password event plans a sealed body when its password was sealed, nothing otherwise (and then it is not kept)", () => {
    const sealed = event("password", { user: USER, passwordRef: "secret:ten_1:lifecycle-password:sec_abc" });
    const [planned] = planLifecycleDeliveries(sealed, { ...CONFIG, enabled: [...CONFIG.enabled] });
    expect(planned).toMatchObject({ url: "https://h.example/webhook/changePassword", streamKey: "lifecycle|User|USR000000000001", eventSeq: 7 });
    expect(sealedRefOf(planned!.body)).toBe("secret:ten_1:lifecycle-password:sec_abc");
    expect(unsentPasswordRef(sealed, [planned!])).toBeNull();
    expect(planLifecycleDeliveries(event("password", { user: USER, passwordRef: null }), { ...CONFIG, enabled: [...CONFIG.enabled] })).toEqual([]);
    const disabled = planLifecycleDeliveries(sealed, { ...CONFIG, enabled: ["postProvision"] });
    expect(disabled).toEqual([]);
    expect(unsentPasswordRef(sealed, disabled)).toBe("secret:ten_1:lifecycle-password:sec_abc");
    expect(planLifecycleDeliveries(event("provision", { user: USER }), { ...CONFIG, enabled: [...CONFIG.enabled] })).toEqual([]);
  });

  it("no subscription matches a user event, whatever its entry events", () => {
    const subscription = { enabled: true, createdAt: 0, formName: "User", entryEvents: ["create", "update", "merge", "delete"], condition: "" } as unknown as Subscription;
    const base = { ...event("update", USER), changedFields: [] };
    expect(subscriptionMatches(subscription, base)).toBe(true);
    for (const type of ["password", "provision", "provision_result"] as const) expect(subscriptionMatches(subscription, { ...base, type })).toBe(false);
  });
});
