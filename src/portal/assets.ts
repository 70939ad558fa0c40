/**
 * The portal's stylesheet and client script, served from the Worker (no build step, no CDN). The script only
 * enhances: copy buttons, confirm-before-submit, select-all for bulk actions. Every page works without it.
 */
export const PORTAL_CSS = `
:root { --fg:#1b1f24; --muted:#57606a; --bg:#fff; --panel:#f6f8fa; --line:#d0d7de; --accent:#0a58ca; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
* { box-sizing: border-box; }
body { margin: 0; display: grid; grid-template-columns: 13rem 1fr; grid-template-rows: auto 1fr; grid-template-areas: "top top" "side main"; min-height: 100vh; }
.skip { position: absolute; left: -999px; } .skip:focus { left: .5rem; top: .5rem; background: #fff; padding: .5rem; z-index: 10; }
.top { grid-area: top; display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; padding: .6rem 1rem; background: #24292f; color: #fff; }
.top a, .top .link { color: #fff; }
.brand { font-weight: 700; text-decoration: none; margin-right: auto; }
.tenant { background: #0a58ca; padding: 0 .5rem; border-radius: 1rem; }
.side { grid-area: side; background: var(--panel); border-right: 1px solid var(--line); padding: 1rem .5rem; }
.side ul { list-style: none; margin: 0; padding: 0; }
.side a { display: block; padding: .35rem .6rem; border-radius: .4rem; color: var(--fg); text-decoration: none; }
.side a[aria-current="page"] { background: #ddf4ff; font-weight: 600; }
main { grid-area: main; padding: 1rem 1.5rem 3rem; min-width: 0; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #fb8500; outline-offset: 2px; }
.flash { padding: .6rem .9rem; border-radius: .4rem; border: 1px solid; }
.flash.notice { background: #dafbe1; border-color: #4ac26b; } .flash.error { background: #ffebe9; border-color: #ff8182; }
.error-details { color: var(--bad); }
form.inline { display: inline; }
form.stack { display: grid; gap: .75rem; max-width: 42rem; }
label { font-weight: 600; display: block; margin-bottom: .2rem; }
input[type=text], input[type=password], input[type=url], input[type=number], input[type=email], select, textarea { width: 100%; padding: .45rem .55rem; border: 1px solid var(--line); border-radius: .4rem; font: inherit; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; min-height: 8rem; }
button, .button { font: inherit; padding: .4rem .8rem; border-radius: .4rem; border: 1px solid var(--line); background: var(--panel); cursor: pointer; color: var(--fg); text-decoration: none; display: inline-block; }
button[type=submit].primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; text-decoration: underline; padding: 0; }
.hint { color: var(--muted); font-size: .875rem; margin: .2rem 0 0; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); white-space: nowrap; }
td code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
.changes { margin: 0; padding-left: 1rem; word-break: break-all; }
pre { background: var(--panel); padding: .75rem; border-radius: .4rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; border: 1px solid var(--line); background: var(--panel); }
.badge-delivered, .badge-succeeded, .badge-success, .badge-enabled, .badge-active, .badge-closed, .badge-ok, .badge-accepted, .badge-committed { color: var(--ok); border-color: var(--ok); }
.badge-dead, .badge-failed, .badge-rejected, .badge-open, .badge-disabled, .badge-revoked, .badge-blocked, .badge-error { color: var(--bad); border-color: var(--bad); }
.badge-pending, .badge-retrying, .badge-half_open, .badge-in_flight, .badge-skipped { color: var(--warn); border-color: var(--warn); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; background: var(--panel); }
.card .value { font-size: 1.6rem; font-weight: 700; display: block; } .card .label { color: var(--muted); font-size: .85rem; }
.copy-row { display: flex; gap: .4rem; } .copy-row input { flex: 1; min-width: 0; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
.filters > div { min-width: 10rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.empty { color: var(--muted); }
.chart { max-width: 100%; height: auto; }
.signin { grid-column: 1 / -1; grid-row: 1 / -1; max-width: 26rem; margin: 3rem auto; padding: 0 1rem; width: 100%; }
.signin fieldset { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; display: grid; gap: .75rem; margin-bottom: 1rem; }
@media (max-width: 700px) {
  body { grid-template-columns: 1fr; grid-template-areas: "top" "side" "main"; }
  .side { border-right: none; border-bottom: 1px solid var(--line); padding: .5rem; }
  .side ul { display: flex; flex-wrap: wrap; gap: .25rem; }
  main { padding: 1rem; }
}
/* subscriptions, deliveries, dead letters */
form.stack fieldset { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; display: grid; gap: .75rem; margin: 0; }
form.stack legend { font-weight: 600; padding: 0 .25rem; }
.check { display: flex; gap: .5rem; align-items: center; }
.check label { display: inline; font-weight: 400; margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
/* inbound hooks, destinations; narrow screens: the navigation row keeps its own height, main takes the rest */
@media (max-width: 700px) { body { grid-template-rows: auto auto 1fr; } }
section.card + section.card { margin-top: .75rem; }
td .copy-row { min-width: 22rem; }
/* alerts */
td details { margin-top: .25rem; } td summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
`;

export const PORTAL_JS = `
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  navigator.clipboard?.writeText(input.value).then(() => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); }, () => document.execCommand("copy"));
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  for (const box of document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]')) box.checked = all.checked;
});
// data-show-for="<field id>=<value>[,<value>]": show a form field only while another field has one of those values.
function syncShowFor() {
  for (const element of document.querySelectorAll("[data-show-for]")) {
    const [id, values] = element.dataset.showFor.split("=");
    const field = document.getElementById(id);
    if (field) element.hidden = !values.split(",").includes(field.value);
  }
}
document.addEventListener("change", (event) => { if (event.target.id && document.querySelector('[data-show-for^="' + event.target.id + '="]')) syncShowFor(); });
document.addEventListener("DOMContentLoaded", syncShowFor);
// data-canonical-url: a page rendered by a form post shows its own address, so reloading it is a GET, not a re-post.
{
  const canonical = document.querySelector("[data-canonical-url]");
  if (canonical) history.replaceState(null, "", canonical.dataset.canonicalUrl);
}
`;
