/**
 * `hookgate tail`: follows a tenant's deliveries (`GET /api/v1/deliveries`) and inbound request log
 * (`GET /api/v1/inbound-requests`) by polling, one line per new delivery, per change of a delivery's state or
 * attempts, and per new inbound request (or new count of a per-minute entry of unauthenticated ones); failures (an error status, a dead letter, a rejected request) are
 * marked `!` and red on a terminal. What exists when it starts is not printed.
 */
import { Command } from "commander";
import { CliError, oneLine } from "./errors";
import { parseUrl, send } from "./http-client";
import { untilStopped } from "./lifetime";
import { paint } from "./paint";

interface TailOptions {
  tenant: string;
  key: string;
  base: string;
  interval: string;
}

interface Delivery {
  id: string;
  position: number;
  subscriptionId: string;
  eventSeq: number;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  replayOf: string | null;
  updatedAt: string;
}

interface InboundRequest {
  id: string;
  source: string;
  method: string;
  path: string;
  status: number;
  code: string | null;
  error: string | null;
  recordId: string | null;
  durationMs: number;
  count: number;
  receivedAt: string;
}

const OPEN = new Set(["pending", "inflight", "blocked"]);
const PAGE = 500;

export interface TailApi {
  get<T>(path: string): Promise<T>;
}

export function tenantApi(options: { tenant: string; key: string; base: string }): TailApi {
  const base = parseUrl(options.base, "--base");
  const prefix = `${base.origin}${base.pathname.replace(/\/$/, "")}/t/${encodeURIComponent(options.tenant)}`;
  return {
    async get<T>(path: string): Promise<T> {
      const response = await send({ method: "GET", url: `${prefix}${path}`, headers: { authorization: `Bearer ${options.key}`, accept: "application/json" } });
      const text = response.body.toString("utf8");
      if (response.status !== 200) {
        let message = text.slice(0, 200);
        try {
          const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
          if (error?.message) message = `${error.code ?? ""} ${error.message}`.trim();
        } catch {
          // Not the gateway's envelope: the text as it came.
        }
        throw new CliError(`GET ${prefix}${path}: ${response.status} ${message}`);
      }
      return JSON.parse(text) as T;
    },
  };
}

const time = (iso: string) => iso.slice(11, 23);
const stateOf = (delivery: Delivery) => `${delivery.status}|${delivery.attempts}|${delivery.lastStatus}|${delivery.updatedAt}`;
const failed = (delivery: Delivery) => delivery.status === "dead" || delivery.status === "blocked" || (delivery.lastStatus !== null && (delivery.lastStatus < 200 || delivery.lastStatus >= 300)) || (delivery.lastError !== null && delivery.status !== "delivered");

export function deliveryLine(delivery: Delivery): string {
  const outcome = delivery.status === "inflight" ? "in flight" : `→ ${delivery.lastStatus ?? "no answer"}${delivery.lastError ? ` (${delivery.lastError})` : ""}`;
  const last = delivery.attempts === 0 ? "not attempted yet" : `attempt ${delivery.attempts} ${outcome}`;
  // Operational deliveries (streams ops:…) carry no record event: their negative seq numbers nothing a tenant knows.
  const event = delivery.eventSeq < 0 ? "operational event" : `event ${delivery.eventSeq}`;
  const next = delivery.status === "pending" && delivery.attempts > 0 && delivery.nextAttemptAt ? `, next at ${time(delivery.nextAttemptAt)}` : "";
  const line = `${time(delivery.updatedAt)}  delivery ${delivery.id}  ${delivery.subscriptionId} ${event}${delivery.replayOf ? " (replay)" : ""}  ${delivery.status}  ${last}${next}`;
  return failed(delivery) ? paint.red(`! ${line}`) : `  ${line}`;
}

export function inboundLine(request: InboundRequest): string {
  const outcome = `${request.status}${request.code ? ` ${request.code}` : ""}${request.error ? `: ${request.error}` : ""}`;
  const line = `${time(request.receivedAt)}  inbound  ${request.method} ${request.path}  ${request.source}  ${outcome}${request.recordId ? `  → ${request.recordId}` : ""}${request.count > 1 ? `  ×${request.count}` : ""}  ${request.durationMs} ms`;
  return request.status >= 400 ? paint.red(`! ${line}`) : `  ${line}`;
}

/** Polls both logs; `print` gets each line. Returns a function that does one poll (the first only learns what exists). */
export function follower(api: TailApi, print: (line: string) => void) {
  // Open deliveries (their state may still change): id → the state last seen, and their positions.
  const deliveries = new Map<string, string>();
  const openAt = new Map<string, number>();
  let lastPosition = 0;
  // Inbound entries by id → the count printed: unauthenticated requests share one entry per minute, its count growing.
  const inboundSeen = new Map<string, number>();
  let first = true;

  async function pollDeliveries(): Promise<void> {
    // From just before the oldest open delivery (its state may change), else from the last one seen.
    let cursor = Math.max(0, Math.min(lastPosition, ...[...openAt.values()].map((position) => position - 1)));
    for (;;) {
      const page = await api.get<{ items: Delivery[]; nextCursor: number | null }>(`/api/v1/deliveries?limit=${PAGE}&cursor=${cursor}`);
      for (const delivery of page.items) {
        const state = stateOf(delivery);
        const known = deliveries.get(delivery.id);
        const isNew = delivery.position > lastPosition;
        if (!first && (isNew || (known !== undefined && known !== state))) print(deliveryLine(delivery));
        lastPosition = Math.max(lastPosition, delivery.position);
        if (OPEN.has(delivery.status)) {
          deliveries.set(delivery.id, state);
          openAt.set(delivery.id, delivery.position);
        } else {
          deliveries.delete(delivery.id);
          openAt.delete(delivery.id);
        }
      }
      if (page.nextCursor === null || page.items.length === 0) break;
      cursor = page.nextCursor;
    }
  }
  async function pollInbound(): Promise<void> {
    const page = await api.get<{ items: InboundRequest[] }>(`/api/v1/inbound-requests?limit=100`);
    for (const request of [...page.items].reverse()) {
      if (inboundSeen.get(request.id) === request.count) continue;
      inboundSeen.set(request.id, request.count);
      if (!first) print(inboundLine(request));
    }
  }

  return async () => {
    await pollDeliveries();
    await pollInbound();
    first = false;
  };
}

export function tailCommand(): Command {
  return new Command("tail")
    .description("follow a tenant's deliveries and inbound requests as they happen (polling the tenant API), failures marked !")
    .requiredOption("--tenant <slug>", "the tenant, e.g. acme")
    .requiredOption("--key <key>", "a tenant API key with the api scope (npm run dev prints the demo key)")
    .option("--base <url>", "the gateway", "http://127.0.0.1:8787")
    .option("--interval <ms>", "how often to poll", "1000")
    .addHelpText("after", `\nExample:\n  $ npx hookgate tail --tenant acme --key hg_demo_acme_0123456789abcdefghijklmnop`)
    .action(async (options: TailOptions) => {
      const interval = Number(options.interval);
      if (!Number.isInteger(interval) || interval < 100) throw new CliError("--interval must be a number of milliseconds, at least 100");
      const poll = follower(tenantApi(options), (line) => console.log(line));
      await poll();
      console.error(`hookgate tail: following ${options.tenant} at ${options.base} every ${interval} ms (Ctrl-C to stop)`);
      let stopped = false;
      const stopping = untilStopped().then(() => (stopped = true));
      while (!stopped) {
        await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, interval))]);
        if (stopped) break;
        // A poll that fails (the gateway restarting) is reported and tried again at the next tick.
        await poll().catch((error: unknown) => console.error(`hookgate tail: ${oneLine(error)} (trying again)`));
      }
    });
}
