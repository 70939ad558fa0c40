/**
 * AR System's 30-character record instance id (e.g. "AGGAA5V0G7LDIAQLFCY6QKGM9CABDM"), derived from the
 * tenant, form and entry id so it is stable without being stored: "AG" + 28 base-32 characters of SHA-256.
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

export async function recordInstanceId(tenantId: string, form: string, entryId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${tenantId}\u0000${form}\u0000${entryId}`)));
  let bits = 0;
  let value = 0;
  let out = "AG";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 30) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 30) break;
  }
  return out;
}
