/**
 * A tiny browser for portal tests in workerd: keeps cookies, follows nothing by itself (tests assert the
 * redirects), sends a same-origin Origin header on posts like a browser does, and fills in the `_csrf`
 * field from the last page it loaded.
 */
import { SELF } from "cloudflare:test";
import { BASE_DOMAIN } from "../helpers";

export interface PortalResponse {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

export class PortalBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  /** `base` is "" for the tenant host form, or "/t/{slug}" for the path form. */
  constructor(readonly slug: string, readonly base = "") {}

  get origin(): string {
    return this.base ? `http://${BASE_DOMAIN}` : `http://${this.slug}.${BASE_DOMAIN}`;
  }

  url(path: string): string {
    return `${this.origin}${this.base}${path}`;
  }

  async get(path: string): Promise<PortalResponse> {
    return this.send(path, { method: "GET" });
  }

  /** Posts a form; `_csrf` is added from the last page unless the form sets it (or sets it to undefined). */
  async post(path: string, form: Record<string, string | string[] | undefined> = {}, headers: Record<string, string> = {}): Promise<PortalResponse> {
    const body = new URLSearchParams();
    const fields = "_csrf" in form ? form : { _csrf: this.csrf, ...form };
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return this.send(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: this.origin, ...headers },
      body: body.toString(),
    });
  }

  async signInWithKey(key: string): Promise<PortalResponse> {
    await this.get("/portal/login");
    return this.post("/portal/login", { method: "api_key", api_key: key });
  }

  /** Signs in and fails loudly if it did not work (for tests about other pages). */
  async signedIn(key: string): Promise<this> {
    const response = await this.signInWithKey(key);
    if (response.status !== 303 || !this.cookies.has("hg_portal")) throw new Error(`sign-in failed: ${response.status} ${response.html.slice(0, 300)}`);
    await this.get("/portal");
    return this;
  }

  private async send(path: string, init: RequestInit): Promise<PortalResponse> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await SELF.fetch(this.url(path), { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const [name = "", ...value] = pair.split("=");
      const expired = /max-age=0/i.test(cookie) || /expires=Thu, 01 Jan 1970/i.test(cookie);
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join("="));
    }
    const html = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html);
    if (csrf) this.csrf = csrf[1];
    return { status: response.status, headers: response.headers, html, location: response.headers.get("location") };
  }
}

/** Text content of the page, tags stripped and whitespace collapsed: for "the page says …" assertions. */
export const pageText = (html: string): string =>
  html.replace(/<script[\s\S]*?<\/script>/g, " ").replace(/<[^>]+>/g, " ").replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/\s+/g, " ").trim();

/** The `?notice=` or `?error=` message a portal redirect carries. */
export const flashOf = (location: string | null, name: "notice" | "error"): string =>
  new URL(location ?? "", "http://x").searchParams.get(name) ?? "";
