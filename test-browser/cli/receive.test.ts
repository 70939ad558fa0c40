/**
 * `hookgate receive`: a local sender checks what each callback prints (verified ✓/✗ with the secret, one JSON
 * line each with --json, thin and multipart bodies summarised), the --fail and --retry-after answers and a port
 * already in use; then the real gateway delivers a subscription's callbacks to it, signed, and retries the
 * one answered 503 with the same webhook-id.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { freePort } from "../gateway";
import { expectOneLineError, runCli, startCli, type RunningCli } from "./cli-process";
import { tenantApi } from "./tenant-api";

const gateway = inject("gateway");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const running: RunningCli[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop()));
});

async function receiver(...args: string[]): Promise<{ cli: RunningCli; url: string }> {
  const port = await freePort();
  const cli = startCli(["receive", "--port", String(port), ...args]);
  running.push(cli);
  await cli.waitForStderr(`listening on http://127.0.0.1:${port}`);
  return { cli, url: `http://127.0.0.1:${port}` };
}

/** Signs like the gateway: Standard Webhooks over the exact bytes. */
function signed(body: Buffer | string, id = `msg_${randomUUID()}`, secret = SECRET): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` };
}

const post = (url: string, body: Buffer | string, headers: Record<string, string>) =>
  fetch(url, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });

const thin = JSON.stringify({ id: "USR000000000042", entityType: "USER", eventType: "CREATE", timestamp: "2026-12-03T10:00:00.000Z", url: "http://127.0.0.1:8787/t/acme/api/v1/records/User/USR000000000042" });

describe("hookgate receive", () => {
  it("--json: one JSON line per callback, verified true with the right secret (the reference library's signature) and false otherwise", async () => {
    const { cli, url } = await receiver("--secret", SECRET, "--json");
    const id = `msg_${randomUUID()}`;
    const timestamp = new Date();
    const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)), "webhook-signature": new Webhook(SECRET).sign(id, timestamp, thin) };
    const answer = await post(`${url}/thin`, thin, { ...headers, "content-type": "application/json" });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ response: {} });
    await post(`${url}/thin`, thin, { ...signed(thin, `msg_${randomUUID()}`, "whsec_" + Buffer.from("another secret!!").toString("base64")), "content-type": "application/json" });

    const [good, bad] = [await cli.waitForLine((line) => line.includes(id)), await cli.waitForLine(() => true, { from: 1 })];
    expect(JSON.parse(good)).toMatchObject({
      method: "POST",
      path: "/thin",
      webhookId: id,
      attempt: 1,
      verified: true,
      eventType: "USER.CREATE",
      summary: "USR000000000042 → http://127.0.0.1:8787/t/acme/api/v1/records/User/USR000000000042 (thin)",
      status: 200,
      body: JSON.parse(thin),
    });
    expect(JSON.parse(bad)).toMatchObject({ verified: false, verifyError: "No matching signature found", status: 200 });
    expect(cli.stdoutLines()).toHaveLength(2);
  });

  it("--fail 503:1 --retry-after 7: the first attempt of each webhook-id is answered 503 with Retry-After, the next 200", async () => {
    const { cli, url } = await receiver("--fail", "503:1", "--retry-after", "7", "--json");
    const headers: Record<string, string> = { ...signed(thin), "content-type": "application/json" };
    const first = await post(`${url}/hook`, thin, headers);
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("7");
    const second = await post(`${url}/hook`, thin, headers);
    expect(second.status).toBe(200);
    expect(second.headers.get("retry-after")).toBeNull();
    const other = await post(`${url}/hook`, thin, { ...signed(thin), "content-type": "application/json" });
    expect(other.status).toBe(503);
    await cli.waitForLine(() => true, { from: 2 });
    const lines = cli.stdoutLines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ attempt, status, retryAfter }) => ({ attempt, status, retryAfter }))).toEqual([
      { attempt: 1, status: 503, retryAfter: 7 },
      { attempt: 2, status: 200, retryAfter: undefined },
      { attempt: 1, status: 503, retryAfter: 7 },
    ]);
    expect(lines[0]!.webhookId).toBe(headers["webhook-id"]);
    expect(lines[0]!.verified).toBeNull();
  });

  it("a multipart AR callback with a binary attachment is verified over its exact bytes and summarised part by part", async () => {
    const { cli, url } = await receiver("--secret", SECRET);
    const boundary = "hookgate-boundary";
    const entry = JSON.stringify({ webhook_id: "WBH000000000001", entry_event: "create", form_name: "HPD:Help Desk", entry_id: "000000000000002", entry_details: { Status: "New" } });
    const png = Buffer.alloc(3000, 0xff); // not valid UTF-8
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="entry"\r\nContent-Type: application/json\r\n\r\n${entry}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="attach-Attachment1"; filename="sample.png"\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: binary\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers = signed(body);
    expect((await post(`${url}/webhook`, body, { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` })).status).toBe(200);
    const line = await cli.waitForLine((text) => text.includes(headers["webhook-id"]!));
    expect(line).toContain(`POST /webhook  ${headers["webhook-id"]}  #1  ✓  HPD:Help Desk create  multipart: entry 000000000000002 {"Status":"New"} + attach-Attachment1 "sample.png" image/png 3000 B  → 200`);

    const tampered = Buffer.from(body);
    tampered[tampered.length - 20] = 0x00;
    await post(`${url}/webhook`, tampered, { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` });
    expect(await cli.waitForLine(() => true, { from: 1 })).toContain("#2  ✗ (No matching signature found)");
  });

  it("without a secret the verification column is '-'; a plain-text body is shown shortened", async () => {
    const { cli, url } = await receiver();
    await post(`${url}/x`, "hello\nworld", { "content-type": "text/plain" });
    expect(await cli.waitForLine(() => true)).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}POST \/x {2}- {2}#1 {2}- {2}- {2}hello world {2}→ 200$/);
  });

  it("a port in use, a bad --fail or a secret that is not whsec_ is a one-line error and a non-zero exit", async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
    const port = (blocker.address() as { port: number }).port;
    try {
      expect(expectOneLineError(await runCli(["receive", "--port", String(port)]))).toBe(
        `hookgate: Port ${port} on 127.0.0.1 is already in use (another receiver? choose one with --port)`,
      );
    } finally {
      blocker.close();
    }
    expect(expectOneLineError(await runCli(["receive", "--port", "0", "--fail", "oops"]))).toBe("hookgate: --fail 'oops' is not status:attempts, e.g. 503:2");
    expect(expectOneLineError(await runCli(["receive", "--port", "0", "--secret", "s3cret"]))).toMatch(/^hookgate: --secret is not a Standard Webhooks secret/);
  });

  it("the gateway's callbacks: verified with the subscription's secret, and with --fail 503:1 the same webhook-id arrives twice", async () => {
    const api = tenantApi(gateway.origin, gateway.apiKey);
    // The subscription (and its secret) first, on a port the receiver then listens on: nothing is sent before an entry exists.
    const port = await freePort();
    const form = `CliCheck${Date.now()}`;
    const registered = await api.call("POST", "/api/arsys/v1.0/webhook", {
      form_name: form,
      entry_events: ["create"],
      callback: { url: `http://127.0.0.1:${port}/thin`, authentication: { type: "NO_AUTH" } },
      format: "thin",
      retry_policy: { retryDelaysMs: [200], maxAttempts: 3 },
    });
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);
    // The subscription stays (on its own form, nothing else fires it): the page-walking tests that run last
    // follow every link, and the audit log and deliveries link to it.
    const subscriptionId = registered.headers.get("location")!.split("/").pop()!;
    const secret = ((await api.call("GET", `/api/v1/subscriptions/${subscriptionId}/secret`)).json as { key: string }).key;
    expect(secret).toMatch(/^whsec_/);
    const cli = startCli(["receive", "--port", String(port), "--secret", secret, "--fail", "503:1", "--json"]);
    running.push(cli);
    await cli.waitForStderr("listening");

    const created = await api.call("POST", `/api/arsys/v1.0/entry/${form}`, { values: { Description: "from the CLI test" } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    await cli.waitForLine(() => true, { from: 1, timeoutMs: 30_000 });
    const [first, second] = cli.stdoutLines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ path: "/thin", attempt: 1, status: 503, verified: true, eventType: `${form.toUpperCase()}.CREATE` });
    expect(second).toMatchObject({ path: "/thin", attempt: 2, status: 200, verified: true, webhookId: first!.webhookId });
  });
});
