// Pages in the browser: every request, console error and CSP violation is
// recorded, and each page state gets the same audit (axe, reflow,
// screenshots, nothing from elsewhere, no CSP violation, no console error).
import path from 'node:path';
import AxeBuilderModule from '@axe-core/playwright';
import { CSP, WCAG_TAGS, WIDTHS, assert, check } from './harness.mjs';
import { httpRequest } from './server.mjs';

const AxeBuilder = AxeBuilderModule.default || AxeBuilderModule;

// A page whose requests, console errors and CSP violations are recorded.
export async function openPage(browser, server, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options.context });
  if (options.initScript) await context.addInitScript(options.initScript);
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    }, true);
  });
  const page = await context.newPage();
  const log = { foreign: [], console: [], csp: [], api: [], refusals: [], failures: [] };
  const origin = new URL(server.base).origin;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:') return;
    const own = url.protocol === 'blob:' ? new URL(url.pathname).origin === origin : url.origin === origin;
    if (!own) log.foreign.push(request.url());
    if (own && url.pathname.startsWith('/v1/')) log.api.push(`${request.method()} ${url.pathname}`);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/v1/')) return;
    if (response.status() === 401) log.refusals.push(response.url());
    if (response.status() >= 400) log.failures.push({ status: response.status(), path: url.pathname });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location().url ? new URL(message.location().url, server.base) : null;
      const api = where && where.origin === origin && where.pathname.startsWith('/v1/');
      log.console.push(api ? `${message.text()} at ${where.pathname}` : message.text());
    }
    if (/Content Security Policy|Trusted Type/i.test(message.text())) log.csp.push(message.text());
  });
  page.on('pageerror', (error) => log.console.push(`uncaught: ${error.message}`));
  return { context, page, log };
}

// The browser logs every 4xx answer to a fetch as a console error. Leaves
// out of `log.console` the one such line for each answer of `status` to a
// path matching `pathPattern` that the page was expected to get; returns
// how many it left out.
export function excuseRefusals(log, status, pathPattern) {
  const expected = log.failures.filter((f) => f.status === status && pathPattern.test(f.path));
  let excused = 0;
  for (const failure of expected) {
    const at = log.console.findIndex((m) =>
      new RegExp(`^Failed to load resource: .* status of ${status} .* at ${failure.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).test(m));
    if (at >= 0) {
      log.console.splice(at, 1);
      ++excused;
    }
  }
  log.failures = log.failures.filter((f) => !expected.includes(f));
  return excused;
}

// axe-core over the whole page under the suite's WCAG tags. Evaluating
// axe's 580 kB source costs about a second a time, and AxeBuilder's
// default mode also opens a blank page to gather the results in: axe is
// put into each document once, and later runs in that document pass a
// no-op source and run it in the page itself ("legacy mode", the same
// axe.run; the pages have no frames).
async function axe(page) {
  const present = await page.evaluate(() => typeof window.axe === 'object' && typeof window.axe.run === 'function');
  return new AxeBuilder({ page, ...(present ? { axeSource: ';' } : {}) })
    .withTags(WCAG_TAGS)
    .setLegacyMode(true)
    .analyze();
}

async function cspViolations(page, log) {
  let inPage = [];
  try {
    inPage = await page.evaluate(() => window.__cspViolations || []);
  } catch (error) {
    inPage = [`could not read the page's violations: ${error.message}`];
  }
  return [...log.csp, ...inPage];
}

// The checks every page state gets: axe at each width, no horizontal
// scrolling at any width (reflow), screenshots (`<prefix>-<state>-<width>.png`),
// and nothing from elsewhere, no CSP violation and no console error so far.
// The privacy center's states are named as they are; others by their page.
export async function auditState(page, log, state, out, { fullPage = true, prefix = 'privacy' } = {}) {
  const label = prefix === 'privacy' ? state : `${prefix} ${state}`;
  // One pass over the widths: axe, the overflow and the screenshot at each.
  const violations = [];
  const wide = [];
  let failure = null;
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const result = await axe(page);
      for (const v of result.violations) {
        violations.push(`${width}px ${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) wide.push(`${width}px overflows by ${overflow}px`);
      await page.screenshot({ path: path.join(out, `${prefix}-${state}-${width}.png`), fullPage });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  } catch (error) {
    failure = error;
  }
  await check(`${label}: 0 axe violations (${WCAG_TAGS.join(', ')}) at ${WIDTHS.join(', ')} px`, async () => {
    if (failure) throw failure;
    assert(violations.length === 0, violations.join('; '));
  });
  await check(`${label}: fits ${WIDTHS.join(', ')} px wide without horizontal scrolling; screenshots written`, async () => {
    if (failure) throw failure;
    assert(wide.length === 0, wide.join('; '));
  });
  await check(`${label}: 0 requests outside the server`, async () => {
    assert(log.foreign.length === 0, log.foreign.join(', '));
  });
  await check(`${label}: 0 CSP violations`, async () => {
    const found = await cspViolations(page, log);
    assert(found.length === 0, found.join('; '));
  });
  await check(`${label}: 0 console errors`, async () => {
    assert(log.console.length === 0, log.console.join('; '));
  });
}

export const visible = (page, selector) => page.locator(selector).first().waitFor({ state: 'visible', timeout: 15_000 });

export async function messageTitle(page) {
  await visible(page, '#state-message');
  return (await page.locator('#message-title').textContent()).trim();
}

// A console page's answer: the CSP and the other security headers, never
// cached, no inline code, and its script and stylesheet at hashed addresses.
export async function checkPageHeaders(server, path, script, stylesheet) {
  const r = await httpRequest(server.base, 'GET', path);
  assert(r.status === 200, `status ${r.status}`);
  assert(r.headers['content-security-policy'] === CSP, `CSP: ${r.headers['content-security-policy']}`);
  for (const [name, value] of [['x-frame-options', 'DENY'], ['referrer-policy', 'no-referrer'], ['x-content-type-options', 'nosniff']]) {
    assert(r.headers[name] === value, `${name}: ${r.headers[name]}`);
  }
  assert(/no-store/.test(r.headers['cache-control'] || ''), `cache-control: ${r.headers['cache-control']}`);
  assert(!/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i.test(r.body), 'inline script, style attribute or event attribute in the HTML');
  assert(new RegExp(`/assets/[0-9a-f]+/${script}`).test(r.body) && new RegExp(`/assets/[0-9a-f]+/${stylesheet}`).test(r.body),
    'unversioned assets');
}
