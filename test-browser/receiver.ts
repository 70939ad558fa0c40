/**
 * A local callback receiver: a Node http server on 127.0.0.1 (random port) that records every request and
 * answers 200, or the status the test sets. The gateway under `wrangler dev` may call loopback in development.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:41234 — register `${url}/hook`. */
  url: string;
  received: ReceivedRequest[];
  /** Status for the following requests (default 200). */
  answerWith(status: number): void;
  /** Resolves with the first request (from index `from` on) that `match` accepts; rejects after `timeoutMs`. */
  waitFor(match: (request: ReceivedRequest) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  let status = 200;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ received: received.length }));
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith: (next) => {
      status = next;
    },
    waitFor: (match, { from = 0, timeoutMs = 20_000 } = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = received.slice(from).find(match);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`receiver: no matching request within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      }),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
