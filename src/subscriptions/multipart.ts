/**
 * Serialises an AR multipart callback (seed 003 "Sending attachment data in webhook response") as
 * multipart/form-data text: the `entry` JSON part first, then one `attach-{field}` part per attachment.
 * Hookgate stores no attachment bytes yet, so every attachment travels as its JSON reference. Pure.
 */
import type { ArCallbackPart } from "./ar-payload";

export function serializeMultipart(parts: readonly ArCallbackPart[], boundary: string): { body: string; contentType: string } {
  const lines: string[] = [];
  for (const part of parts) {
    const json = part.kind === "attachment" ? { name: part.filename, contentType: part.contentType, size: part.size, ref: part.ref } : part.json;
    const filename = part.kind === "attachment" ? `; filename="${part.filename.replace(/"/g, "")}"` : "";
    lines.push(`--${boundary}`, `Content-Disposition: form-data; name="${part.name}"${filename}`, "Content-Type: application/json; charset=UTF-8", "", JSON.stringify(json));
  }
  lines.push(`--${boundary}--`, "");
  return { body: lines.join("\r\n"), contentType: `multipart/form-data; boundary=${boundary}` };
}
