/**
 * The SSRF guard for callback URLs: a subscription may only make Hookgate call a public https endpoint, never
 * loopback, private networks, link-local addresses (the cloud metadata service), or addresses hidden behind
 * odd encodings. Development (`allowPrivate`) also allows http, loopback and private networks, so local
 * receivers work. Pure: it judges the URL's text and does no DNS lookup, so a public name that resolves to a
 * private address is not caught here (Cloudflare's egress does not route to private networks).
 */

export type CallbackUrlRefusal =
  | "invalid_url"
  | "scheme_not_allowed"
  | "https_required"
  | "userinfo_not_allowed"
  | "non_canonical_ip"
  | "loopback"
  | "private"
  | "internal_host"
  | "link_local"
  | "unspecified"
  | "shared_address"
  | "multicast"
  | "reserved"
  | "embedded_ipv4";

export type CallbackUrlCheck = { ok: true; url: URL } | { ok: false; reason: CallbackUrlRefusal; message: string };

export interface CallbackUrlOptions {
  /** Development: allow http, loopback and private networks. */
  allowPrivate: boolean;
}

type AddressClass = Exclude<CallbackUrlRefusal, "invalid_url" | "scheme_not_allowed" | "https_required" | "userinfo_not_allowed" | "non_canonical_ip">;

/** What development may reach besides the public internet. */
const ALLOWED_IN_DEVELOPMENT: ReadonlySet<AddressClass> = new Set(["loopback", "private", "internal_host"]);

/** IPv4 ranges that are not the public internet (RFC 6890 and friends), as [network, prefix length, class]. */
const IPV4_RANGES: readonly [string, number, AddressClass][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared_address"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link_local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/** IPv6 ranges that are not the public internet, most specific first; anything outside 2000::/3 is reserved too. */
const IPV6_RANGES: readonly [string, number, AddressClass][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::ffff:0:0", 96, "embedded_ipv4"], // IPv4-mapped
  ["::", 96, "embedded_ipv4"], // IPv4-compatible (deprecated)
  ["64:ff9b::", 96, "embedded_ipv4"], // NAT64
  ["64:ff9b:1::", 48, "embedded_ipv4"], // local NAT64
  ["100::", 64, "reserved"], // discard
  ["2001::", 32, "embedded_ipv4"], // Teredo
  ["2001:db8::", 32, "reserved"], // documentation
  ["2002::", 16, "embedded_ipv4"], // 6to4
  ["fc00::", 7, "private"], // unique local
  ["fe80::", 10, "link_local"],
  ["fec0::", 10, "private"], // site-local (deprecated)
  ["ff00::", 8, "multicast"],
];

/** Name suffixes that only resolve inside a network. */
const INTERNAL_SUFFIXES = ["local", "internal", "lan", "localdomain", "home.arpa"];

const DESCRIPTION: Record<AddressClass, string> = {
  loopback: "a loopback address",
  private: "a private network address",
  internal_host: "a host name that only resolves inside a network",
  link_local: "a link-local address (such as the cloud metadata service)",
  unspecified: "the unspecified address",
  shared_address: "a carrier-grade NAT address (100.64.0.0/10)",
  multicast: "a multicast address",
  reserved: "a reserved address",
  embedded_ipv4: "an IPv6 address embedding an IPv4 address",
};

function ipv4Number(address: string): number {
  return address.split(".").reduce((value, part) => value * 256 + Number(part), 0);
}

/** The 16 bytes of an IPv6 address as the URL parser writes it (hex groups, at most one `::`); null if it is not one. */
function ipv6Bytes(address: string): Uint8Array | null {
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const [head = [], tail = []] = groups;
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const bytes = new Uint8Array(16);
  for (const [index, group] of all.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    const value = parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  }
  return bytes;
}

function inIpv6Prefix(address: Uint8Array, network: Uint8Array, bits: number): boolean {
  for (let bit = 0; bit < bits; bit++) {
    const mask = 0x80 >> bit % 8;
    const byte = Math.floor(bit / 8);
    if (((address[byte] ?? 0) & mask) !== ((network[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Which non-public kind of destination the URL parser's hostname is, or null for a public one. */
function classifyHost(hostname: string): AddressClass | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) {
    const address = ipv4Number(hostname);
    const range = IPV4_RANGES.find(([network, bits]) => Math.floor(address / 2 ** (32 - bits)) === Math.floor(ipv4Number(network) / 2 ** (32 - bits)));
    return range?.[2] ?? null;
  }
  if (hostname.startsWith("[")) {
    const address = ipv6Bytes(hostname.slice(1, -1));
    if (!address) return "reserved";
    const range = IPV6_RANGES.find(([network, bits]) => inIpv6Prefix(address, ipv6Bytes(network) ?? new Uint8Array(16), bits));
    if (range) return range[2];
    return ((address[0] ?? 0) & 0xe0) === 0x20 ? null : "reserved";
  }
  const name = hostname.replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  if (!name.includes(".") || INTERNAL_SUFFIXES.some((suffix) => name.endsWith(`.${suffix}`))) return "internal_host";
  return null;
}

/** The authority (userinfo@host:port) exactly as written, before the URL parser normalises it. */
function writtenAuthority(input: string): string {
  const afterScheme = input.trim().replace(/^[a-z][a-z0-9+.-]*:/i, "").replace(/^[/\\]*/, "");
  return afterScheme.split(/[/\\?#]/, 1)[0] ?? "";
}

/** The host as written: the authority without userinfo and port. */
function writtenHost(authority: string): string {
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");
}

const refuse = (reason: CallbackUrlRefusal, message: string): CallbackUrlCheck => ({ ok: false, reason, message });

/** Decides whether Hookgate may call this callback URL; the parsed URL comes back for the caller to fetch. */
export function checkCallbackUrl(input: string, { allowPrivate }: CallbackUrlOptions): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse("invalid_url", "The callback URL is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse("scheme_not_allowed", `Callback URLs must be https, not ${url.protocol}`);
  if (url.protocol === "http:" && !allowPrivate) return refuse("https_required", "Callback URLs must use https");
  const authority = writtenAuthority(input);
  if (url.username || url.password || authority.includes("@")) {
    return refuse("userinfo_not_allowed", "Callback URLs may not carry credentials before the host; use the subscription's authentication");
  }
  const kind = classifyHost(url.hostname);
  if (kind && !(allowPrivate && ALLOWED_IN_DEVELOPMENT.has(kind))) {
    return refuse(kind, `The callback host ${url.hostname} is ${DESCRIPTION[kind]}`);
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) && writtenHost(authority).toLowerCase() !== url.hostname) {
    return refuse("non_canonical_ip", `Write the callback's IPv4 address as four decimal numbers (${url.hostname})`);
  }
  return { ok: true, url };
}
