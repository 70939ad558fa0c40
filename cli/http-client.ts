/**
 * HTTP requests from the CLI with node:http(s), because Node's fetch does not resolve `*.localhost` (the tenant
 * hosts `npm run dev` hands out): such names connect to the loopback address, as curl and browsers do, and keep
 * their Host header. Failures to connect become one-line CliErrors naming the URL.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { lookup as dnsLookup } from "node:dns";
import { CliError } from "./errors";

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  timeoutMs?: number;
}

/** True for `localhost` and every name under it (RFC 6761: they are loopback names). */
export const isLocalhostName = (hostname: string): boolean => {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
};

/** DNS for everything but `*.localhost`, which is 127.0.0.1 without asking a resolver. */
const loopbackAwareLookup: LookupFunction = (hostname, options, callback) => {
  if (!isLocalhostName(hostname)) return dnsLookup(hostname, options, callback);
  // `all: true` callers (happy eyeballs) want a list; the others one address.
  if (options.all) (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

export function parseUrl(text: string, what = "URL"): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${what} '${text}' is not an absolute URL (e.g. http://127.0.0.1:8787/…)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`${what} '${text}' is not http or https`);
  return url;
}

export function send(input: HttpRequest): Promise<HttpResponse> {
  const url = parseUrl(input.url);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const timeoutMs = input.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const headers = { ...input.headers };
    if (input.body !== undefined) headers["content-length"] = String(input.body.byteLength);
    const req = request(url, { method: input.method, headers, lookup: loopbackAwareLookup }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", (error) => reject(new CliError(`${input.method} ${url.href}: the response broke off (${error.message})`)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => reject(new CliError(`${input.method} ${url.href}: ${describeNetworkError(error)}`)));
    req.end(input.body === undefined ? undefined : Buffer.from(input.body));
  });
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running? `npm run dev` listens on 127.0.0.1:8787)";
    case "ENOTFOUND":
      return `host not found (${error.message.split(" ").pop() ?? ""})`;
    case "ECONNRESET":
      return "the connection was reset";
    default:
      return error.message;
  }
}

/** A header's value as one string (node gives arrays for repeated headers). */
export const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
};
