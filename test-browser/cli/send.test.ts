/**
 * `hookgate send` against the shared `wrangler dev` gateway: each preset's sample, built and signed from the
 * preset definitions, is accepted by a hook of that preset (so a new preset works without touching the CLI);
 * the records appear in the events feed; a wrong secret exits 1 showing 401; the URL verifications are
 * answered; bad input is a one-line error with a non-zero exit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { PRESETS } from "../../src/inbound/configurable/presets";
import { freePort } from "../gateway";
import { expectOneLineError, runCli } from "./cli-process";
import { createHook, tenantApi } from "./tenant-api";

const gateway = inject("gateway");
const api = tenantApi(gateway.origin, gateway.apiKey);
const send = (preset: string, hook: { url: string; secret: string }, ...more: string[]) => runCli(["send", preset, "--url", hook.url, "--secret", hook.secret, ...more]);

/** The JSON answer the CLI printed after its status line. */
const answerOf = (stdout: string) => JSON.parse(stdout.split("\n").find((line) => line.startsWith("{")) ?? "null") as Record<string, unknown>;

describe("hookgate send", () => {
  it("okta-event-hook: exit 0, status and request id shown, and the user appears in the events feed", async () => {
    const hook = await createHook(api, "okta-event-hook", { kind: "header_secret", headerName: "Authorization", secret: "okta-cli-secret" });
    const result = await send("okta-event-hook", hook);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^POST .*\/hooks\/hook_\w+ \(okta-event-hook, event id [0-9a-f-]{36}\)$/m);
    expect(result.stdout).toMatch(/^200 OK {2}request id [0-9a-f-]{36}$/m);
    const changes = answerOf(result.stdout).changes as { recordId: string; eventSeq: number }[];
    expect(changes).toHaveLength(1);
    const feed = await api.call("GET", `/api/v1/events?after=${changes[0]!.eventSeq - 1}&limit=1`);
    expect(JSON.stringify(feed.json)).toContain(changes[0]!.recordId);
    const record = await api.call("GET", `/api/v1/records/User/${changes[0]!.recordId}`);
    expect(JSON.stringify(record.json)).toContain("john.doe@example.com");
  });

  it("every preset's sample is accepted by a hook of that preset with a generated secret", async () => {
    for (const preset of PRESETS) {
      const hook = await createHook(api, preset.id);
      const result = await send(preset.id, hook);
      expect(result.code, `${preset.id}: ${result.stdout}${result.stderr}`).toBe(0);
      expect(answerOf(result.stdout).hookId, preset.id).toBe(hook.id);
    }
  });

  it("github and standard-webhooks with their secrets exit 0; a wrong secret exits 1 and shows the 401", async () => {
    for (const preset of ["github", "standard-webhooks"]) {
      const hook = await createHook(api, preset);
      const good = await send(preset, hook);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(good.stdout).toMatch(/^200 OK/m);
      const wrong = preset === "github" ? "not-the-secret" : "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
      const bad = await send(preset, { url: hook.url, secret: wrong });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^401 Unauthorized {2}request id/m);
      expect(answerOf(bad.stdout).error).toMatchObject({ code: "SIGNATURE_INVALID" });
    }
  });

  it("generic-hmac with the hook's own header, algorithm, encoding and prefix", async () => {
    const hook = await createHook(api, "generic-hmac", { kind: "hmac", headerName: "X-Sig", algorithm: "sha512", encoding: "base64", prefix: "v=", secret: "generic-cli-secret" });
    const result = await send("generic-hmac", hook, "--auth-header", "X-Sig", "--algorithm", "sha512", "--encoding", "base64", "--prefix", "v=", "--event-id", "evt-cli-1");
    expect(result.code, result.stdout).toBe(0);
    expect(answerOf(result.stdout)).toMatchObject({ eventId: "evt-cli-1", replayed: false });
    const withPresetRules = await send("generic-hmac", hook);
    expect(withPresetRules.code).toBe(1);
    expect(withPresetRules.stdout).toMatch(/^401 /m);
  });

  it("--body sends the file's bytes and --header adds headers; *.localhost URLs reach the loopback gateway with their Host", async () => {
    const hook = await createHook(api, "okta-event-hook", { kind: "header_secret", headerName: "Authorization", secret: "okta-cli-secret" });
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    const file = join(dir, "delivery.json");
    writeFileSync(file, JSON.stringify({ eventId: "evt-from-file", data: { events: [{ eventType: "user.lifecycle.create", target: [{ id: "00uCLI", type: "User", alternateId: "file.user@example.com", displayName: "File User" }] }] } }));
    const tenantHostUrl = `http://acme.localhost:${gateway.port}/hooks/${hook.id}`;
    const result = await send("okta-event-hook", { url: tenantHostUrl, secret: hook.secret }, "--body", file, "--header", "X-Trace: cli-test");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(answerOf(result.stdout)).toMatchObject({ eventId: "evt-from-file", replayed: false });
  });

  it("--challenge: Okta's GET verification and Event Grid's OPTIONS handshake and validation POST are answered", async () => {
    const okta = await createHook(api, "okta-event-hook");
    const oktaResult = await send("okta-event-hook", okta, "--challenge");
    expect(oktaResult.code, oktaResult.stdout).toBe(0);
    expect(oktaResult.stdout).toMatch(/^GET /m);
    expect(oktaResult.stdout).toMatch(/challenge answered: verification = [0-9a-f-]{36} ✓/);

    const azure = await createHook(api, "azure-ad");
    const options = await send("azure-ad", azure, "--challenge");
    expect(options.code, options.stdout).toBe(0);
    expect(options.stdout).toMatch(/^OPTIONS /m);
    expect(options.stdout).toContain("challenge answered: webhook-allowed-origin = eventgrid.azure.net ✓");
    const validation = await send("azure-ad", azure, "--challenge", "validation");
    expect(validation.code, validation.stdout).toBe(0);
    expect(validation.stdout).toMatch(/challenge answered: validationResponse = [0-9a-f-]{36} ✓/);

    const wrongSecret = await send("azure-ad", { url: azure.url, secret: "not-the-secret" }, "--challenge", "validation");
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stdout).toMatch(/^401 /m);
    const none = await send("github", okta, "--challenge");
    expect(expectOneLineError(none)).toBe("hookgate: Preset 'github' has no verification challenge");
  });

  it("bad input is a one-line error and a non-zero exit: unknown preset, unreadable body, a URL that does not answer", async () => {
    const hook = { url: `${gateway.origin}/t/acme/hooks/hook_0`, secret: "whatever-secret" };
    expect(expectOneLineError(await send("no-such-vendor", hook))).toMatch(/^hookgate: Unknown preset 'no-such-vendor'; the presets are: okta-event-hook, /);
    expect(expectOneLineError(await send("github", hook, "--body", "/nonexistent/delivery.json"))).toBe(
      "hookgate: Cannot read the body file '/nonexistent/delivery.json': no such file",
    );
    const closed = `http://127.0.0.1:${await freePort()}/t/acme/hooks/hook_0`;
    expect(expectOneLineError(await send("github", { ...hook, url: closed }))).toMatch(/^hookgate: POST http:\/\/127\.0\.0\.1:\d+\/t\/acme\/hooks\/hook_0: connection refused/);
    expect(expectOneLineError(await send("github", { ...hook, url: "not a url" }))).toBe("hookgate: --url 'not a url' is not an absolute URL (e.g. http://127.0.0.1:8787/…)");
    expect(expectOneLineError(await send("standard-webhooks", { ...hook, secret: "not base64!" }))).toMatch(/not a Standard Webhooks secret/);
    const missing = await runCli(["send", "github", "--url", hook.url]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--secret <secret>' not specified");
  });

  it("--help works on the command and every subcommand, also through npx (the package's bin)", async () => {
    for (const args of [["--help"], ["send", "--help"], ["receive", "--help"], ["tail", "--help"]]) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/^Usage: hookgate/);
    }
    const viaNpx = spawnSync("npx", ["hookgate", "send", "--help"], { cwd: process.cwd(), encoding: "utf8", timeout: 60_000 });
    expect(viaNpx.status, viaNpx.stderr).toBe(0);
    expect(viaNpx.stdout).toMatch(/^Usage: hookgate send \[options\] <preset>/);
  });
});
