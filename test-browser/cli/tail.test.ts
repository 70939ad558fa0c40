/**
 * `hookgate tail` against the shared gateway: after it starts, a rejected hook request shows as a marked inbound
 * line, a delivered callback as a delivery line, and a callback answered 500 (one attempt allowed) as a marked
 * dead delivery. Bad credentials are a one-line error.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startReceiver, type Receiver } from "../receiver";
import { expectOneLineError, runCli, startCli, type RunningCli } from "./cli-process";
import { createHook, tenantApi } from "./tenant-api";

const gateway = inject("gateway");
const api = tenantApi(gateway.origin, gateway.apiKey);
const form = `CliTail${Date.now()}`;
let receiver: Receiver;
let subscriptionId: string;
let tail: RunningCli;

beforeAll(async () => {
  receiver = await startReceiver();
  const registered = await api.call("POST", "/api/arsys/v1.0/webhook", {
    form_name: form,
    entry_events: ["create"],
    callback: { url: `${receiver.url}/tail`, authentication: { type: "NO_AUTH" } },
    format: "thin",
    retry_policy: { maxAttempts: 1 },
  });
  expect(registered.status, JSON.stringify(registered.json)).toBe(201);
  subscriptionId = registered.headers.get("location")!.split("/").pop()!;
  tail = startCli(["tail", "--tenant", "acme", "--key", gateway.apiKey, "--base", gateway.origin, "--interval", "300"]);
  await tail.waitForStderr("following acme");
});

// The subscription stays (on its own form, nothing else fires it): the page-walking tests that run last follow
// every link, and the audit log and deliveries link to it.
afterAll(async () => {
  await tail?.stop();
  await receiver?.close();
});

describe("hookgate tail", () => {
  it("prints a rejected inbound request, marked as a failure", async () => {
    const hook = await createHook(api, "okta-event-hook");
    const rejected = await runCli(["send", "okta-event-hook", "--url", hook.url, "--secret", "not-the-secret"]);
    expect(rejected.code).toBe(1);
    // Unauthenticated requests share one log entry per minute (its path the first one's): a new one or a new count.
    const line = await tail.waitForLine((text) => text.includes(" inbound ") && text.includes("401 UNAUTHORIZED"));
    expect(line).toMatch(/^! \d\d:\d\d:\d\d\.\d{3} {2}inbound {2}POST \S*\/hooks\/hook_\w+ {2}\S+ {2}401 UNAUTHORIZED/);
  });

  it("prints a delivery once delivered, and a dead one marked as a failure", async () => {
    const created = await api.call("POST", `/api/arsys/v1.0/entry/${form}`, { values: { Description: "tail me" } });
    expect(created.status).toBe(201);
    const delivered = await tail.waitForLine((text) => text.includes(subscriptionId) && text.includes("delivered"), { timeoutMs: 30_000 });
    expect(delivered).toMatch(new RegExp(`^ {2}\\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}delivery \\S+ {2}${subscriptionId} event \\d+ {2}delivered {2}attempt 1 → 200$`));

    receiver.answerWith(500);
    await api.call("POST", `/api/arsys/v1.0/entry/${form}`, { values: { Description: "fail me" } });
    const dead = await tail.waitForLine((text) => text.includes(subscriptionId) && text.includes(" dead "), { timeoutMs: 30_000 });
    expect(dead).toMatch(new RegExp(`^! .*delivery \\S+ {2}${subscriptionId} event \\d+ {2}dead {2}attempt 1 → 500`));
  });

  it("a wrong key or a gateway that does not answer is a one-line error", async () => {
    expect(expectOneLineError(await runCli(["tail", "--tenant", "acme", "--key", "hg_wrong", "--base", gateway.origin]))).toMatch(
      /^hookgate: GET http:\/\/127\.0\.0\.1:\d+\/t\/acme\/api\/v1\/deliveries\?limit=500&cursor=0: 401 UNAUTHORIZED /,
    );
    expect(expectOneLineError(await runCli(["tail", "--tenant", "acme", "--key", "k", "--base", "http://127.0.0.1:1"]))).toMatch(/connection refused/);
  });
});
