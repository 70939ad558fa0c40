import { describe, expect, it } from "vitest";
import { type CallbackUrlRefusal, checkCallbackUrl } from "../../src/outbound/ssrf-guard";

const production = { allowPrivate: false };
const development = { allowPrivate: true };

const reason = (url: string, options = production): CallbackUrlRefusal | "ok" => {
  const check = checkCallbackUrl(url, options);
  return check.ok ? "ok" : check.reason;
};

describe("checkCallbackUrl in production", () => {
  it.each([
    "https://hooks.example.com/hookgate",
    "https://hooks.example.com:8443/hookgate?tenant=acme#frag",
    "https://api.customer.co.uk/v1/users",
    "https://8.8.8.8/hook",
    "https://1.1.1.1:443/",
    "https://[2606:4700:4700::1111]/hook",
    "https://HOOKS.Example.COM/Path",
    "https://xn--bcher-kva.example/hook",
    "https://172.15.255.255/",
    "https://172.32.0.1/",
    "https://100.63.255.255/",
    "https://100.128.0.0/",
    "https://169.253.255.255/",
    "https://11.0.0.1/",
  ])("accepts %s", (url) => {
    const check = checkCallbackUrl(url, production);
    expect(check).toMatchObject({ ok: true });
    expect(check.ok && check.url.href).toBe(new URL(url).href);
  });

  it.each<[string, CallbackUrlRefusal]>([
    // not a URL, or not http(s)
    ["not a url", "invalid_url"],
    ["/relative/path", "invalid_url"],
    ["https://", "invalid_url"],
    ["https://[fe80::1%25eth0]/", "invalid_url"],
    ["ftp://files.example.com/drop", "scheme_not_allowed"],
    ["file:///etc/passwd", "scheme_not_allowed"],
    ["gopher://example.com:70/", "scheme_not_allowed"],
    ["javascript:alert(1)", "scheme_not_allowed"],
    ["data:text/plain,hello", "scheme_not_allowed"],
    ["ws://hooks.example.com/", "scheme_not_allowed"],
    // production requires https
    ["http://hooks.example.com/hook", "https_required"],
    // credentials before the host
    ["https://user:pass@hooks.example.com/", "userinfo_not_allowed"],
    ["https://user@hooks.example.com/", "userinfo_not_allowed"],
    ["https://@hooks.example.com/", "userinfo_not_allowed"],
    ["https://hooks.example.com@127.0.0.1/", "userinfo_not_allowed"],
    // loopback
    ["https://127.0.0.1/", "loopback"],
    ["https://127.255.255.254:8787/hook", "loopback"],
    ["https://localhost/", "loopback"],
    ["https://localhost:8787/hook", "loopback"],
    ["https://LOCALHOST./", "loopback"],
    ["https://api.localhost/", "loopback"],
    ["https://[::1]/", "loopback"],
    ["https://[0:0:0:0:0:0:0:1]/", "loopback"],
    // the same loopback address, spelled in decimal, hex or octal
    ["https://2130706433/", "loopback"],
    ["https://0x7f000001/", "loopback"],
    ["https://0x7f.1/", "loopback"],
    ["https://0177.0.0.1/", "loopback"],
    ["https://127.1/", "loopback"],
    ["https://127.0.0.1./", "loopback"],
    ["https://%31%32%37.0.0.1/", "loopback"],
    // private networks
    ["https://10.0.0.1/", "private"],
    ["https://10.255.255.255/", "private"],
    ["https://172.16.0.1/", "private"],
    ["https://172.31.255.255/", "private"],
    ["https://192.168.1.10/", "private"],
    ["https://[fc00::1]/", "private"],
    ["https://[fd12:3456:789a::1]/", "private"],
    ["https://[fec0::1]/", "private"],
    ["https://intranet/", "internal_host"],
    ["https://printer.local/", "internal_host"],
    ["https://metadata.google.internal/computeMetadata/v1/", "internal_host"],
    ["https://router.home.arpa/", "internal_host"],
    // link-local, including the cloud metadata service
    ["https://169.254.169.254/latest/meta-data/", "link_local"],
    ["https://169.254.0.1/", "link_local"],
    ["https://2852039166/", "link_local"],
    ["https://0xa9.0xfe.0xa9.0xfe/", "link_local"],
    ["https://[fe80::1]/", "link_local"],
    ["https://[febf::1]/", "link_local"],
    // unspecified, CGNAT, multicast, reserved
    ["https://0.0.0.0/", "unspecified"],
    ["https://0/", "unspecified"],
    ["https://0.1.2.3/", "unspecified"],
    ["https://[::]/", "unspecified"],
    ["https://100.64.0.1/", "shared_address"],
    ["https://100.127.255.255/", "shared_address"],
    ["https://224.0.0.1/", "multicast"],
    ["https://[ff02::1]/", "multicast"],
    ["https://255.255.255.255/", "reserved"],
    ["https://240.0.0.1/", "reserved"],
    ["https://192.0.2.1/", "reserved"],
    ["https://198.18.0.1/", "reserved"],
    ["https://[2001:db8::1]/", "reserved"],
    ["https://[100::1]/", "reserved"],
    ["https://[4000::1]/", "reserved"],
    // IPv6 addresses that carry an IPv4 one
    ["https://[::ffff:127.0.0.1]/", "embedded_ipv4"],
    ["https://[::ffff:7f00:1]/", "embedded_ipv4"],
    ["https://[::ffff:169.254.169.254]/", "embedded_ipv4"],
    ["https://[::ffff:8.8.8.8]/", "embedded_ipv4"],
    ["https://[::127.0.0.1]/", "embedded_ipv4"],
    ["https://[64:ff9b::a00:1]/", "embedded_ipv4"],
    ["https://[2002:7f00:1::]/", "embedded_ipv4"],
    // a public address in an odd spelling: harmless here, but a parser-confusion risk elsewhere
    ["https://134744072/", "non_canonical_ip"],
    ["https://0x08080808/", "non_canonical_ip"],
    ["https://8.8.8.010/", "non_canonical_ip"],
    ["https://8.8.2056/", "non_canonical_ip"],
  ])("refuses %s: %s", (url, expected) => {
    expect(reason(url)).toBe(expected);
  });

  it("explains a refusal without needing the reason code", () => {
    const check = checkCallbackUrl("https://169.254.169.254/latest/meta-data/", production);
    expect(check).toEqual({ ok: false, reason: "link_local", message: expect.stringMatching(/169\.254\.169\.254.*link-local/) });
  });
});

describe("checkCallbackUrl in development (allowPrivate)", () => {
  it.each([
    "http://127.0.0.1:8787/hook",
    "http://localhost:9999/receiver",
    "http://api.localhost/",
    "http://[::1]:3000/",
    "http://192.168.1.20/hook",
    "http://10.1.2.3/",
    "http://receiver/",
    "http://hooks.example.com/",
    "https://hooks.example.com/",
  ])("accepts %s", (url) => {
    expect(reason(url, development)).toBe("ok");
  });

  it.each<[string, CallbackUrlRefusal]>([
    ["ftp://127.0.0.1/", "scheme_not_allowed"],
    ["file:///etc/passwd", "scheme_not_allowed"],
    ["http://user:pass@localhost/", "userinfo_not_allowed"],
    ["http://169.254.169.254/latest/meta-data/", "link_local"],
    ["http://[fe80::1]/", "link_local"],
    ["http://0.0.0.0:8787/", "unspecified"],
    ["http://100.64.0.1/", "shared_address"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[::ffff:127.0.0.1]/", "embedded_ipv4"],
    ["http://2130706433/", "non_canonical_ip"],
    ["http://0x7f.1/", "non_canonical_ip"],
    ["http://0177.0.0.1:8787/", "non_canonical_ip"],
  ])("still refuses %s: %s", (url, expected) => {
    expect(reason(url, development)).toBe(expected);
  });
});
