/**
 * `hookgate receive`: a local callback receiver. One line per request (time, method, path, `webhook-id`, the
 * Standard Webhooks signature verified with --secret, event type, a short body summary; `--json`: one JSON
 * object per line), answered 200 `{"response":{}}` (an empty Cymmetri answer, so it also serves lifecycle hooks)
 * or, with `--fail status:N`, that status for the first N attempts of each `webhook-id`, to watch retries live.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Command } from "commander";
import { describeCallbackBody } from "./callback-body";
import { isSigningSecret, verifyCallback, type SignatureCheck } from "./callback-signature";
import { CliError, oneLine } from "./errors";
import { untilStopped } from "./lifetime";
import { paint } from "./paint";

interface ReceiveOptions {
  port: string;
  host: string;
  secret?: string;
  fail?: string;
  retryAfter?: string;
  json?: boolean;
}

interface FailurePlan {
  status: number;
  attempts: number;
}

function parseFail(text: string): FailurePlan {
  const match = /^(\d{3})(?::(\d+))?$/.exec(text);
  const status = Number(match?.[1]);
  const attempts = match?.[2] === undefined ? 1 : Number(match[2]);
  if (!match || status < 100 || status > 599 || attempts < 1) throw new CliError(`--fail '${text}' is not status:attempts, e.g. 503:2`);
  return { status, attempts };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port '${text}' is not a port number`);
  return port;
}

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const clock = (date: Date) => date.toISOString().slice(11, 23);

/** What keys the attempts of one callback: its webhook-id, else (a request without one) its method, path and body. */
const attemptKey = (request: IncomingMessage, body: Buffer) =>
  one(request.headers["webhook-id"]) ?? `${request.method} ${request.url} ${createHash("sha256").update(body).digest("hex")}`;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export async function startReceiver(options: ReceiveOptions): Promise<{ close(): Promise<void>; port: number }> {
  const port = parsePort(options.port);
  const failure = options.fail === undefined ? undefined : parseFail(options.fail);
  const retryAfter = options.retryAfter;
  if (retryAfter !== undefined && !/^\d+$/.test(retryAfter)) throw new CliError(`--retry-after '${retryAfter}' is not a number of seconds`);
  if (options.secret !== undefined && !isSigningSecret(options.secret)) {
    throw new CliError("--secret is not a Standard Webhooks secret (whsec_ followed by base64): use the subscription's signing secret");
  }
  const attempts = new Map<string, number>();

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const at = new Date();
    const key = attemptKey(request, body);
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const failing = failure !== undefined && attempt <= failure.attempts;
    const status = failing ? failure.status : 200;
    const check: SignatureCheck | null = options.secret === undefined ? null : verifyCallback(options.secret, request.headers, body, at.getTime());
    const contentType = one(request.headers["content-type"]);
    const described = describeCallbackBody(contentType, body);
    const webhookId = one(request.headers["webhook-id"]) ?? null;

    const headers: Record<string, string> = { "content-type": "application/json" };
    if (failing && retryAfter !== undefined) headers["retry-after"] = retryAfter;
    response.writeHead(status, headers);
    response.end(failing ? JSON.stringify({ error: `hookgate receive --fail: attempt ${attempt} of ${failure.attempts} answered ${status}` }) : '{"response":{}}');

    if (options.json) {
      const line = {
        time: at.toISOString(),
        method: request.method,
        path: request.url,
        webhookId,
        attempt,
        verified: check === null ? null : check.verified,
        ...(check && !check.verified && { verifyError: check.reason }),
        eventType: described.eventType,
        summary: described.summary,
        status,
        ...(failing && retryAfter !== undefined && { retryAfter: Number(retryAfter) }),
        contentType: contentType ?? null,
        body: described.value,
      };
      console.log(JSON.stringify(line));
      return;
    }
    const mark = check === null ? "-" : check.verified ? paint.green("✓") : paint.red(`✗ (${check.reason})`);
    const answered = failing ? paint.red(`→ ${status}${retryAfter !== undefined ? ` Retry-After ${retryAfter}` : ""}`) : `→ ${status}`;
    const parts = [clock(at), `${request.method} ${request.url}`, webhookId ?? "-", `#${attempt}`, mark, described.eventType ?? "-", described.summary, answered];
    console.log(parts.join("  "));
  };

  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      console.error(`hookgate receive: ${oneLine(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          error.code === "EADDRINUSE"
            ? `Port ${port} on ${options.host} is already in use (another receiver? choose one with --port)`
            : `Cannot listen on ${options.host}:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, options.host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function receiveCommand(): Command {
  return new Command("receive")
    .description("a local callback receiver: one line per callback, signature verified, optional failures to watch retries")
    .option("--port <port>", "the port to listen on", "9999")
    .option("--host <address>", "the address to listen on", "127.0.0.1")
    .option("--secret <whsec_…>", "the subscription's signing secret: each callback's Standard Webhooks signature is verified (✓/✗)")
    .option("--fail <status:attempts>", "answer this status to the first attempts of each webhook-id, e.g. 503:2 (then 200)")
    .option("--retry-after <seconds>", "with --fail: send Retry-After on the failing answers")
    .option("--json", "print each callback as one JSON line (time, method, path, webhookId, attempt, verified, eventType, summary, status, body)")
    .addHelpText(
      "after",
      `
Register http://127.0.0.1:9999/webhook (any path) as a callback URL, then:
  $ npx hookgate receive --secret whsec_…           # the secret the subscription was created with
  $ npx hookgate receive --fail 503:1 --json       # each webhook-id answered 503 once, then 200`,
    )
    .action(async (options: ReceiveOptions) => {
      const receiver = await startReceiver(options);
      // On stderr, so that stdout holds only callbacks (one JSON line each with --json).
      console.error(
        `hookgate receive: listening on http://${options.host}:${receiver.port}${options.secret ? ", verifying signatures" : ""}${options.fail ? `, answering ${options.fail.replace(":", " to the first ")} attempt(s) of each webhook-id` : ""} (Ctrl-C to stop)`,
      );
      await untilStopped();
      await receiver.close();
    });
}
