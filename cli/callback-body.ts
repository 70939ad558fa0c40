/**
 * What `hookgate receive` shows of a callback's body: its event type and a one-line summary for the formats the
 * gateway sends — thin events (`{id, entityType, eventType, url}`), AR callbacks (`entry_event`, `form_name`,
 * `entry_details`), multipart AR callbacks with attachments (the JSON part, then each file part's name and
 * size), Standard Webhooks style `type` — and any other JSON or text, shortened. Pure.
 */

export interface CallbackPart {
  name: string;
  filename?: string;
  contentType?: string;
  size: number;
  /** The part parsed, when it is JSON. */
  json?: unknown;
}

export interface CallbackBody {
  eventType: string | null;
  summary: string;
  /** The body for --json: parsed JSON, the parts of a multipart body, or the text. */
  value: unknown;
}

const MAX_SUMMARY = 120;
const shorten = (text: string, max = MAX_SUMMARY) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const str = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : undefined);

/** The parameter `name` of a header value such as `multipart/form-data; boundary=x`. */
function headerParameter(value: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i").exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** RFC 7578 parts: each part's headers and bytes, split at the boundary. */
export function parseMultipart(body: Buffer, boundary: string): CallbackPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: CallbackPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const raw = body.subarray(afterDelimiter + 2, next - 2); // after CRLF, before the CRLF preceding the next delimiter
    const split = raw.indexOf("\r\n\r\n");
    const head = split === -1 ? "" : raw.subarray(0, split).toString("utf8");
    const bytes = split === -1 ? raw : raw.subarray(split + 4);
    const headers = Object.fromEntries(
      head.split("\r\n").flatMap((line) => {
        const colon = line.indexOf(":");
        return colon === -1 ? [] : [[line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]];
      }),
    ) as Record<string, string>;
    const disposition = headers["content-disposition"] ?? "";
    const part: CallbackPart = { name: headerParameter(disposition, "name") ?? "", size: bytes.length };
    const filename = headerParameter(disposition, "filename");
    if (filename !== undefined) part.filename = filename;
    if (headers["content-type"]) part.contentType = headers["content-type"];
    if (/json/i.test(part.contentType ?? "") || (filename === undefined && /^\s*[{[]/.test(bytes.toString("utf8", 0, 1)))) {
      try {
        part.json = JSON.parse(bytes.toString("utf8"));
      } catch {
        // Not JSON after all: listed by size only.
      }
    }
    parts.push(part);
    start = next;
  }
  return parts;
}

/** Event type and summary of a JSON body, by the gateway's formats. */
function describeJson(json: unknown): { eventType: string | null; summary: string } {
  if (!isObject(json)) return { eventType: null, summary: shorten(JSON.stringify(json)) };
  // Thin event: the record's id and where to fetch it.
  if (str(json.entityType) && str(json.eventType) && str(json.id)) {
    return { eventType: `${json.entityType}.${json.eventType}`, summary: `${json.id}${str(json.url) ? ` → ${json.url}` : ""} (thin)` };
  }
  // AR callback.
  if (str(json.entry_event) && str(json.form_name)) {
    const details = isObject(json.entry_details) ? ` ${JSON.stringify(json.entry_details)}` : "";
    return { eventType: `${json.form_name} ${json.entry_event}`, summary: shorten(`entry ${str(json.entry_id) ?? "?"}${details}`) };
  }
  const type = str(json.type) ?? str(json.eventType) ?? str(json.event) ?? null;
  return { eventType: type, summary: shorten(JSON.stringify(json)) };
}

export function describeCallbackBody(contentType: string | undefined, body: Buffer): CallbackBody {
  if (body.length === 0) return { eventType: null, summary: "(empty body)", value: null };
  const boundary = /^multipart\//i.test(contentType ?? "") ? headerParameter(contentType ?? "", "boundary") : undefined;
  if (boundary) {
    const parts = parseMultipart(body, boundary);
    const jsonPart = parts.find((part) => part.json !== undefined);
    const described = jsonPart ? describeJson(jsonPart.json) : { eventType: null, summary: "" };
    const files = parts
      .filter((part) => part !== jsonPart)
      .map((part) => `${part.name}${part.filename !== undefined ? ` "${part.filename}"` : ""} ${part.contentType ?? "?"} ${part.size} B`);
    const summary = `multipart: ${[described.summary, ...files.map((file) => `+ ${file}`)].filter(Boolean).join(" ")}`;
    return { eventType: described.eventType, summary: shorten(summary, 240), value: { parts } };
  }
  const text = body.toString("utf8");
  try {
    const json: unknown = JSON.parse(text);
    return { ...describeJson(json), value: json };
  } catch {
    return { eventType: null, summary: shorten(text.replace(/\s+/g, " ")), value: text };
  }
}
