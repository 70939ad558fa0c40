/**
 * `hookgate send <preset>`: what a vendor would send to a configurable inbound hook (vendor-request.ts), sent to
 * the hook's URL; prints the status, the request id and the answer. Exit code 0 on 2xx, 1 otherwise.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { PRESET_IDS } from "../src/inbound/configurable/presets";
import { CliError, oneLine } from "./errors";
import { headerValue, parseUrl, send } from "./http-client";
import { buildChallenge, buildDelivery, presetById, type DeliveryInput, type VendorRequest } from "./vendor-request";

interface SendOptions {
  url: string;
  secret: string;
  body?: string;
  eventId?: string;
  header: string[];
  challenge?: string | true;
  authHeader?: string;
  algorithm?: string;
  encoding?: string;
  prefix?: string;
  timeout: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `name: value` (or `name=value`) from --header. */
function parseHeader(text: string): [string, string] {
  const match = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(text);
  if (!match) throw new CliError(`--header '${text}' is not name:value`);
  return [match[1]!, match[2]!];
}

function readBody(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read the body file '${path}': ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : oneLine(error)}`);
  }
}

const describe = (request: VendorRequest) => (request.eventId ? `, event id ${request.eventId}` : "");

async function run(presetId: string, options: SendOptions): Promise<void> {
  const preset = presetById(presetId);
  const url = parseUrl(options.url, "--url");
  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError("--timeout must be a positive number of milliseconds");
  const input: DeliveryInput = {
    secret: options.secret,
    ...(options.body !== undefined && { body: readBody(options.body) }),
    ...(options.eventId !== undefined && { eventId: options.eventId }),
    headers: Object.fromEntries(options.header.map(parseHeader)),
    auth: {
      ...(options.authHeader !== undefined && { headerName: options.authHeader }),
      ...(options.algorithm !== undefined && { algorithm: options.algorithm }),
      ...(options.encoding !== undefined && { encoding: options.encoding }),
      ...(options.prefix !== undefined && { prefix: options.prefix }),
    },
    now: new Date(),
    newId: randomUUID,
  };
  const request = options.challenge
    ? buildChallenge(preset, input, options.challenge === true ? undefined : options.challenge)
    : buildDelivery(preset, input);

  console.log(`${request.method} ${url.href} (${preset.id}${options.challenge ? " verification challenge" : ""}${describe(request)})`);
  const response = await send({ method: request.method, url: url.href, headers: request.headers, ...(request.body && { body: request.body }), timeoutMs });
  const ok = response.status >= 200 && response.status < 300;
  const requestId = headerValue(response.headers, "x-request-id");
  console.log(`${response.status} ${response.statusText}${requestId ? `  request id ${requestId}` : ""}`);
  const text = response.body.toString("utf8");
  if (text !== "") console.log(text);
  if (request.expectedEcho && ok) console.log(echoLine(request.expectedEcho, response.headers, text));
  process.exitCode = ok ? 0 : 1;
}

/** Whether the gateway answered the challenge as the vendor expects. */
function echoLine(expected: NonNullable<VendorRequest["expectedEcho"]>, headers: Parameters<typeof headerValue>[0], text: string): string {
  let got: unknown;
  if (expected.header) got = headerValue(headers, expected.header);
  else {
    try {
      got = (JSON.parse(text) as Record<string, unknown>)[expected.jsonField ?? ""];
    } catch {
      got = undefined;
    }
  }
  const where = expected.header ?? expected.jsonField;
  return got === expected.value ? `challenge answered: ${where} = ${expected.value} ✓` : `challenge NOT answered: ${where} is ${JSON.stringify(got)}, expected ${expected.value} ✗`;
}

export function sendCommand(): Command {
  return new Command("send")
    .description("send a vendor's delivery to an inbound hook, built and signed from the gateway's own preset (exit 0 on 2xx, 1 otherwise)")
    .argument("<preset>", `the hook's preset: ${PRESET_IDS.join(", ")}`)
    .requiredOption("--url <url>", "the hook's URL, as the create answer gives it (…/hooks/hook_…)")
    .requiredOption("--secret <secret>", "the hook's secret (a whsec_… secret for standard-webhooks)")
    .option("--body <file>", "send this file's bytes instead of the preset's sample (signed as is)")
    .option("--event-id <id>", "the vendor's delivery id (header or body field, as the preset says); default: a fresh one")
    .option("--header <name:value>", "an extra header, repeatable; overrides the built ones but not the credential", collect, [])
    .addOption(new Option("--challenge [kind]", "send the preset's URL verification instead: okta (GET), options (CloudEvents OPTIONS), validation (Event Grid POST); default: the preset's first"))
    .option("--auth-header <name>", "the hook's credential header, when it is not the preset's (header secret or HMAC)")
    .option("--algorithm <sha1|sha256|sha512>", "the hook's HMAC algorithm, when it is not the preset's")
    .option("--encoding <hex|base64>", "the hook's HMAC encoding, when it is not the preset's")
    .option("--prefix <text>", "the hook's HMAC prefix, when it is not the preset's")
    .option("--timeout <ms>", "how long to wait for the answer", "10000")
    .addHelpText(
      "after",
      `
Examples (against npm run dev; the URL and secret are those of a hook you created):
  $ npx hookgate send okta-event-hook --url http://127.0.0.1:8787/t/acme/hooks/hook_… --secret okta-demo-secret
  $ npx hookgate send okta-event-hook --url http://127.0.0.1:8787/t/acme/hooks/hook_… --secret okta-demo-secret --challenge
  $ npx hookgate send github --url http://acme.localhost:8787/hooks/hook_… --secret gh-secret --body delivery.json`,
    )
    .action((preset: string, options: SendOptions) => run(preset, options));
}
