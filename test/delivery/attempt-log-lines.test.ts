import { afterEach, describe, expect, it, vi } from "vitest";
import { createTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => {
  receiver?.restore();
  vi.restoreAllMocks();
});

const linesOf = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((line) => line.message === "delivery_attempt");

describe("delivery attempt log lines", () => {
  it("one line per attempt with identifiers and outcome: delivered is info, a failure is warn; never the body or credentials", async () => {
    const info = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    receiver = startReceiver((_request, index) => new Response(index === 0 ? "try later" : "ok", { status: index === 0 ? 500 : 200 }));
    const tenant = await createTenant("attempt-log");
    const subscription = await subscribe(tenant, {
      url: receiver.url,
      authentication: { type: "BASIC", username: "cb-user", password: "cb-password-secret" },
    });
    await createEntry(tenant, { secret_field: "body-text-never-logged" });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(2);
    const mine = (spy: typeof info) => linesOf(spy).filter((line) => line.tenantId === tenant.id);
    const common = { tenantId: tenant.id, subscriptionId: subscription, eventSeq: 1, durationMs: expect.any(Number) };
    expect(mine(warn)).toEqual([expect.objectContaining({ level: "warn", ...common, attempt: 1, status: 500, outcome: "retry" })]);
    expect(mine(info)).toEqual([expect.objectContaining({ level: "info", ...common, attempt: 2, status: 200, outcome: "delivered" })]);
    const everything = JSON.stringify([...info.mock.calls, ...warn.mock.calls]);
    expect(everything).not.toContain("body-text-never-logged");
    expect(everything).not.toContain("cb-password-secret");
  });
});
