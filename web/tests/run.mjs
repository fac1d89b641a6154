#!/usr/bin/env node
// The browser tests of Confide's web pages: a real `confide serve` on a
// temporary data directory, Debian's Chromium driven by playwright-core
// (never a downloaded browser), axe-core for accessibility.
//
//   node web/tests/run.mjs --confide build/confide --out build/web-screenshots [--web-root web]
//
// One line per check, then "N passed, N failed"; exits 0 only if all
// passed. The server and the browser are stopped whatever happens.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilderModule from '@axe-core/playwright';

const AxeBuilder = AxeBuilderModule.default || AxeBuilderModule;
const STARTED = Date.now();
const BUDGET_MS = 115_000;  // the whole suite: under two minutes
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const WIDTHS = [360, 768, 1280];
const REGION = 'us';  // opt_out: shoppers are personalized until they refuse
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// What every HTML answer must carry (docs/web.md).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

// ------------------------------------------------------------------ arguments

function parseArgs(argv) {
  const args = { confide: '', out: '', webRoot: '', chromium: '/usr/bin/chromium', keep: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--confide') args.confide = value();
    else if (a === '--out') args.out = value();
    else if (a === '--web-root') args.webRoot = value();
    else if (a === '--chromium') args.chromium = value();
    else if (a === '--keep') args.keep = true;
    else usage(`unknown argument ${a}`);
  }
  if (!args.confide || !args.out) usage('--confide and --out are required');
  return args;
}

function usage(problem) {
  console.error(`run.mjs: ${problem}\nusage: node web/tests/run.mjs --confide PATH --out DIR [--web-root DIR] [--chromium PATH] [--keep]`);
  process.exit(2);
}

// ------------------------------------------------------------------ checks

const results = [];

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs one check and prints its line; a check's function may return a
// short detail to print.
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push(true);
    console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
    return true;
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${name}: ${String(error && error.message || error).split('\n')[0]}`);
    return false;
  }
}

// Polls `fn` until it returns a truthy value (which it returns) or `ms` pass.
async function waitFor(what, fn, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

// ------------------------------------------------------------------ HTTP

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A raw HTTP request: {status, headers, body, json}.
function httpRequest(base, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(target, base);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method,
      agent: false,
      headers: {
        ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// ------------------------------------------------------------------ the server

class Server {
  constructor(args) {
    this.args = args;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confide-web-tests-'));
    this.child = null;
    this.exited = null;
  }

  async start() {
    const { confide, webRoot } = this.args;
    const made = execFileSync(confide, ['keys', 'new', '--scopes', 'admin', '--regions', '*'], { encoding: 'utf8' });
    const key = /\b(ck_[A-Za-z0-9_]+)/.exec(made);
    const entry = made.slice(made.indexOf('[[api_keys]]'));
    assert(key && entry.startsWith('[[api_keys]]'), '`confide keys new` printed no key and entry');
    this.adminKey = key[1];
    // The shopper-token key, given so that the tests can mint an expired token.
    this.tokenKeyId = 'webtest';
    this.tokenKey = crypto.randomBytes(32);
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const config = [
      `data_dir = ${JSON.stringify(path.join(this.dir, 'data'))}`,
      `listen = "127.0.0.1:${this.port}"`,
      'threads = 2',
      'shutdown_grace_seconds = 0',
      'shutdown_timeout_seconds = 5',
      '[recommend]',
      'retrain_hours = 0',
      'max_per_category = 2',
      '[[regions]]',
      'id = "us"',
      'legal_basis = "opt_out"',
      'currency = "USD"',
      '',
      entry.trim(),
      '',
    ].join('\n');
    const configPath = path.join(this.dir, 'confide.toml');
    fs.writeFileSync(configPath, config, { mode: 0o600 });
    const log = fs.openSync(path.join(this.dir, 'serve.log'), 'a');
    const argv = ['serve', '--config', configPath];
    if (webRoot) argv.push('--web-root', webRoot);
    this.child = spawn(confide, argv, {
      stdio: ['ignore', log, log],
      env: { ...process.env, CONFIDE_TOKEN_KEY_US: `${this.tokenKeyId}:${this.tokenKey.toString('hex')}` },
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    let gone = null;
    this.exited.then((how) => { gone = how; });
    await waitFor('/readyz', async () => {
      if (gone) throw new Error(`confide serve exited (${gone.code ?? gone.signal}): ${this.logTail()}`);
      const r = await httpRequest(this.base, 'GET', '/readyz');
      return r.status === 200;
    }, 30_000);
  }

  logTail() {
    try {
      return fs.readFileSync(path.join(this.dir, 'serve.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return '';
    }
  }

  // An admin request to the API.
  api(method, target, body, headers = {}) {
    return httpRequest(this.base, method, target, { body, headers: { Authorization: `Bearer ${this.adminKey}`, ...headers } });
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (!this.args.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------ data

// A catalog and twelve shoppers who buy in weekly baskets: a-0..a-3 every
// week, b-0 with b-1 every other week, and a d- product of their own, which
// best sellers cannot know: the trained models beat popularity on held-out
// baskets and so personalize. fan-0 also browses on the app and visits a
// store, so that the page shows several kinds of data and channels.
async function seed(server) {
  const products = [];
  const inventory = [];
  for (const [category, n] of [['a', 6], ['b', 6], ['c', 6], ['d', 12]]) {
    for (let i = 0; i < n; ++i) {
      const id = `${category}-${i}`;
      products.push({ id, title: `Product ${id}`, category, price: 2 });
      inventory.push({ location: 'online', product_id: id, quantity: 9 });
    }
  }
  for (const [route, body] of [['products', products], ['stores', [{ id: 's1', name: 'One', latitude: 48.8, longitude: 2.3 }]],
    ['inventory', inventory]]) {
    const r = await server.api('PUT', `/v1/${REGION}/${route}`, body);
    assert(r.status === 200, `PUT ${route}: ${r.status} ${r.body}`);
  }
  const events = [];
  const day = (d) => new Date(Date.UTC(2026, 0, 5 + d, 10)).toISOString().replace('.000Z', 'Z');
  for (let s = 0; s < 12; ++s) {
    const shopper = `fan-${s}`;
    for (let week = 0; week < 6; ++week) {
      const order = `${shopper}-${week}`;
      const buy = (product) => events.push({
        event_id: `e${events.length}`, type: 'purchase', timestamp: day(week * 7), customer_id: shopper,
        channel: 'web', product_id: product, quantity: 1, order_id: order,
      });
      for (const p of ['a-0', 'a-1', 'a-2', 'a-3']) buy(p);
      buy(`d-${s}`);
      if (week % 2 === 0) ['b-0', 'b-1'].forEach(buy);
      buy(`c-${(s + week) % 4}`);
    }
  }
  for (let i = 0; i < 3; ++i) {
    events.push({ event_id: `v${i}`, type: 'view', timestamp: day(40 + i), customer_id: 'fan-0', channel: 'app', product_id: `c-${i}` });
  }
  events.push({ event_id: 'sv0', type: 'store_visit', timestamp: day(44), customer_id: 'fan-0', channel: 'store', store_id: 's1' });
  const ingest = await server.api('POST', `/v1/${REGION}/events`, events);
  assert(ingest.status === 200 && ingest.json && ingest.json.accepted === events.length,
    `POST events: ${ingest.status} ${ingest.body.slice(0, 200)}`);
  // A shopper with a decision and no events: the page's empty state.
  const quiet = await server.api('PUT', `/v1/${REGION}/customers/quiet-1/consent?id_kind=customer`, { purposes: { analytics: false } });
  assert(quiet.status === 200, `PUT consent of quiet-1: ${quiet.status} ${quiet.body}`);

  // The region's first orders start a training by themselves; one started
  // before the last events arrived may not personalize: then train again.
  const idle = () => waitFor('the training', async () => {
    const r = await server.api('GET', `/v1/${REGION}/models`);
    return r.status === 200 && !r.body.includes('"state":"running"') && r.json;
  }, 60_000);
  let models = await idle();
  if (!JSON.stringify(models).includes('"personalizes":true')) {
    const started = await server.api('POST', `/v1/${REGION}/models/train`);
    assert(started.status === 202 || started.status === 409, `POST models/train: ${started.status} ${started.body}`);
    models = await idle();
  }
  assert(JSON.stringify(models).includes('"personalizes":true'), `the trained models do not personalize: ${JSON.stringify(models).slice(0, 300)}`);
  return { events: events.filter((e) => e.customer_id === 'fan-0').length };
}

async function mintToken(server, customerId, ttlSeconds = 900) {
  const r = await server.api('POST', `/v1/${REGION}/shopper-tokens`, { customer_id: customerId, ttl_seconds: ttlSeconds });
  assert(r.status === 200 && r.json && r.json.token, `POST shopper-tokens: ${r.status} ${r.body}`);
  return r.json.token;
}

// A token signed with the region's token key whose lifetime ended an hour
// ago (as a backend mints them: docs/api.md, Shopper tokens).
function mintExpiredToken(server, customerId) {
  const now = Math.floor(Date.now() / 1000);
  const payload = ['v2', server.tokenKeyId, REGION, 'customer', now - 7200, now - 3600, crypto.randomBytes(8).toString('hex'),
    'consent,export,erase', customerId].join('|');
  const mac = crypto.createHmac('sha512', server.tokenKey).update(payload).digest().subarray(0, 32);
  return `st_${Buffer.from(payload).toString('base64url')}.${mac.toString('base64url')}`;
}

// The same token with its signature changed.
function forge(token) {
  const last = token.at(-1);
  return token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

// ------------------------------------------------------------------ browser

// A page whose requests, console errors and CSP violations are recorded.
async function openPage(browser, server, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options.context });
  if (options.initScript) await context.addInitScript(options.initScript);
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    }, true);
  });
  const page = await context.newPage();
  const log = { foreign: [], console: [], csp: [], api: [], refusals: [] };
  const origin = new URL(server.base).origin;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:') return;
    const own = url.protocol === 'blob:' ? new URL(url.pathname).origin === origin : url.origin === origin;
    if (!own) log.foreign.push(request.url());
    if (own && url.pathname.startsWith('/v1/')) log.api.push(`${request.method()} ${url.pathname}`);
  });
  page.on('response', (response) => {
    if (response.status() === 401 && new URL(response.url()).pathname.startsWith('/v1/')) log.refusals.push(response.url());
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
// scrolling at any width (reflow), screenshots, and nothing from elsewhere,
// no CSP violation and no console error so far.
async function auditState(page, log, state, out, { fullPage = true } = {}) {
  await check(`${state}: 0 axe violations (${WCAG_TAGS.join(', ')}) at ${WIDTHS.join(', ')} px`, async () => {
    const found = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
      for (const v of result.violations) {
        found.push(`${width}px ${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`);
      }
    }
    assert(found.length === 0, found.join('; '));
  });
  await check(`${state}: fits ${WIDTHS.join(', ')} px wide without horizontal scrolling; screenshots written`, async () => {
    const wide = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) wide.push(`${width}px overflows by ${overflow}px`);
      await page.screenshot({ path: path.join(out, `privacy-${state}-${width}.png`), fullPage });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    assert(wide.length === 0, wide.join('; '));
  });
  await check(`${state}: 0 requests outside the server`, async () => {
    assert(log.foreign.length === 0, log.foreign.join(', '));
  });
  await check(`${state}: 0 CSP violations`, async () => {
    const violations = await cspViolations(page, log);
    assert(violations.length === 0, violations.join('; '));
  });
  await check(`${state}: 0 console errors`, async () => {
    assert(log.console.length === 0, log.console.join('; '));
  });
}

const visible = (page, selector) => page.locator(selector).first().waitFor({ state: 'visible', timeout: 15_000 });

async function messageTitle(page) {
  await visible(page, '#state-message');
  return (await page.locator('#message-title').textContent()).trim();
}

// ------------------------------------------------------------------ the suite

async function suite(args, server, browser) {
  const out = args.out;
  const privacy = `${server.base}/privacy/`;

  // The HTML's and assets' headers, straight from the server.
  await check('GET /privacy/ carries the CSP, framing, sniffing, referrer and isolation headers and no-store', async () => {
    const r = await httpRequest(server.base, 'GET', '/privacy/');
    assert(r.status === 200, `status ${r.status}`);
    const want = {
      'content-security-policy': CSP, 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin',
    };
    for (const [name, value] of Object.entries(want)) assert(r.headers[name] === value, `${name}: ${r.headers[name]}`);
    assert(/no-store/.test(r.headers['cache-control'] || ''), `cache-control: ${r.headers['cache-control']}`);
    assert(!/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i.test(r.body), 'inline script, style attribute or event attribute in the HTML');
    const asset = /\/assets\/[0-9a-f]+\/privacy\.js/.exec(r.body);
    assert(asset, 'the page does not reference a hashed /assets/<hash>/privacy.js');
    const js = await httpRequest(server.base, 'GET', asset[0]);
    assert(js.status === 200 && /immutable/.test(js.headers['cache-control'] || ''), `${asset[0]}: ${js.status} ${js.headers['cache-control']}`);
    assert(/\/assets\/[0-9a-f]+\/api\.js/.test(js.body), 'privacy.js imports api.js by its unhashed path');
  });

  const fan0 = await mintToken(server, 'fan-0');
  const fan1 = await mintToken(server, 'fan-1');

  await check('a cross-site API request is refused 403 (the same request from the same origin is answered)', async () => {
    const target = `/v1/${REGION}/customers/fan-1/consent?id_kind=customer`;
    const headers = { Authorization: `Bearer ${fan1}` };
    const same = await httpRequest(server.base, 'GET', target, { headers: { ...headers, 'Sec-Fetch-Site': 'same-origin' } });
    assert(same.status === 200, `same-origin: ${same.status} ${same.body}`);
    const cross = await httpRequest(server.base, 'GET', target, { headers: { ...headers, 'Sec-Fetch-Site': 'cross-site' } });
    assert(cross.status === 403, `cross-site GET: ${cross.status} ${cross.body}`);
    const write = await httpRequest(server.base, 'PUT', target,
      { headers: { ...headers, 'Sec-Fetch-Site': 'cross-site' }, body: { purposes: { personalization: false } } });
    assert(write.status === 403, `cross-site PUT: ${write.status} ${write.body}`);
  });

  await check('a write without a JSON body type is refused (415)', async () => {
    const r = await httpRequest(server.base, 'PUT', `/v1/${REGION}/customers/fan-1/consent?id_kind=customer`, {
      headers: { Authorization: `Bearer ${fan1}`, 'Content-Type': 'text/plain' },
      body: '{"purposes":{"personalization":false}}',
    });
    assert(r.status === 415, `${r.status} ${r.body}`);
  });

  // ---- loading: the API held back until the state is audited
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      const held = [];
      let release = false;
      await page.route('**/v1/**', (route) => (release ? route.continue() : held.push(route)));
      await page.goto(`${privacy}#${fan1}`);
      await visible(page, '#state-loading');
      await waitFor('the page to ask for its data', () => held.length > 0);
      await check('loading: the loading state shows while the API answers', async () => {
        assert(await page.locator('#state-loading').isVisible(), 'not visible');
        assert(await page.locator('#state-content').isHidden(), 'content shown before the data came');
      });
      await auditState(page, log, 'loading', out);
      release = true;
      for (const route of held) await route.continue();
      await visible(page, '#state-content');
    } finally {
      await context.close();
    }
  }

  // ---- loaded: fan-0, then the choices, the download and "delete me"
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(`${privacy}#${fan0}`);
      await visible(page, '#state-content');
      await visible(page, '#recs-body li');

      await check('the token is gone from the address bar, the history entry, the DOM, storage and cookies', async () => {
        const url = page.url();
        assert(url === privacy, `address bar: ${url.replace(/st_[^#&]*/, 'st_…')}`);
        const inPage = await page.evaluate(async () => ({
          local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
          historyLength: history.length, html: document.documentElement.outerHTML.includes('st_'),
          databases: indexedDB.databases ? (await indexedDB.databases()).length : 0,
        }));
        assert(inPage.local === 0 && inPage.session === 0, `storage holds ${inPage.local + inPage.session} items`);
        assert(inPage.cookie === '' && (await context.cookies()).length === 0, 'a cookie was set');
        assert(inPage.databases === 0, 'an IndexedDB database was made');
        assert(!inPage.html, 'the token is in the DOM');
        // about:blank, where every new tab starts, and this page: the
        // entry that held the token was replaced, not pushed.
        assert(inPage.historyLength === 2, `history has ${inPage.historyLength} entries`);
      });

      await check('loaded: what we hold shows masked ids, events per category and channel, first and last seen', async () => {
        const text = await page.locator('#hold').innerText();
        assert(text.includes('•••') && !text.includes('fan-0'), 'the id is not shown masked');
        for (const words of ['Browsing', 'Purchases', 'Store visits', 'Website', 'App', 'In a store', 'First recorded', 'Last recorded']) {
          assert(text.includes(words), `"${words}" is missing`);
        }
      });

      await check('loaded: recommendations are listed with the reason for each in words', async () => {
        const items = await page.locator('#recs-body li').allInnerTexts();
        assert(items.length > 0, 'no recommendation listed');
        assert(items.every((t) => /Why: \S/.test(t) && !/_/.test(t.split('Why:')[1])), `a reason is not in words: ${items[0]}`);
        const intro = await page.locator('#recs-body > p').first().innerText();
        assert(/based on your activity/.test(intro), `not said to be personalized: ${intro}`);
      });

      await check('loaded: the session\'s remaining time is shown with "End session"', async () => {
        const text = await page.locator('#session-time').innerText();
        assert(/ends in 1[45] minutes/.test(text), text);
        assert(await page.getByRole('button', { name: 'End session' }).isVisible(), 'no End session button');
      });

      await auditState(page, log, 'loaded', out);

      await check('withdrawing personalization on the page (keyboard) makes the next recommendation request unpersonalized', async () => {
        const target = `/v1/${REGION}/customers/fan-0/recommendations?id_kind=customer`;
        const before = await server.api('GET', target);
        assert(before.json && before.json.personalized === true, `personalized before the withdrawal: ${before.body.slice(0, 120)}`);
        const toggle = page.getByRole('switch', { name: 'Personal recommendations' });
        assert((await toggle.getAttribute('aria-checked')) === 'true', 'the switch is not on');
        await toggle.focus();
        await page.keyboard.press('Space');
        await waitFor('the switch to turn off', async () =>
          (await page.getByRole('switch', { name: 'Personal recommendations' }).getAttribute('aria-checked')) === 'false');
        const afterToggle = await server.api('GET', target);
        assert(afterToggle.json.personalized === true, 'the switch alone, before Save, changed the ledger');
        await page.getByRole('button', { name: 'Save my choices' }).click();
        await page.locator('#choices-status', { hasText: 'Saved' }).waitFor({ timeout: 15_000 });
        const after = await server.api('GET', target);
        assert(after.json && after.json.personalized === false, `personalized after the withdrawal: ${after.body.slice(0, 120)}`);
        const consent = await server.api('GET', `/v1/${REGION}/customers/fan-0/consent?id_kind=customer`);
        const p = consent.json.purposes.personalization;
        assert(p.decision === 'denied' && p.source === 'privacy_center', `ledger: ${JSON.stringify(p)}`);
        const history = await page.locator('#history-body li').first().innerText();
        assert(/privacy center/.test(history) && /Personal recommendations: no/.test(history), `history: ${history}`);
      });

      await check('"Download my data" saves the full export as a JSON file', async () => {
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 15_000 }),
          page.getByRole('button', { name: 'Download my data' }).click(),
        ]);
        assert(/\.json$/.test(download.suggestedFilename()), download.suggestedFilename());
        const file = await download.path();
        const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert(doc.summary && Array.isArray(doc.events) && doc.events.length > 0 && doc.consent, 'not the export document');
        await download.delete();
      });

      await page.getByRole('button', { name: 'Delete my data' }).click();
      await visible(page, '#erase-dialog[open]');
      await check('"Delete me": the first activation only opens the confirmation dialog', async () => {
        assert(await page.getByRole('dialog', { name: 'Delete all your data?' }).isVisible(), 'no dialog');
        const profile = await server.api('GET', `/v1/${REGION}/customers/fan-0/profile?id_kind=customer`);
        assert(profile.status === 200, `the shopper is gone before Confirm: ${profile.status}`);
      });
      await auditState(page, log, 'dialog', out, { fullPage: false });  // as a modal is seen

      await check('"Delete me" → Confirm erases: the receipt shows, the profile 404s and the audit log has the erasure', async () => {
        await page.getByRole('button', { name: 'Yes, delete everything' }).click();
        const title = await messageTitle(page);
        assert(title === 'Your data has been deleted', title);
        const receipt = await page.locator('#message-body').innerText();
        assert(/Activity records deleted\s+\d+/.test(receipt), `no receipt: ${receipt.slice(0, 120)}`);
        assert(/forgotten/.test(receipt), 'the page does not say the link is forgotten');
        assert(await page.locator('#session').isHidden(), 'the session is still shown');
        const profile = await server.api('GET', `/v1/${REGION}/customers/fan-0/profile?id_kind=customer`);
        assert(profile.status === 404, `profile after the erasure: ${profile.status}`);
        const audit = await server.api('GET', `/v1/${REGION}/audit?customer_id=fan-0`);
        assert(audit.status === 200, `audit: ${audit.status} ${audit.body.slice(0, 120)}`);
        const actions = (audit.json.entries || []).map((e) => e.action);
        assert(actions.includes('erasure'), `no erasure record among ${actions.join(', ')}`);
      });
      await check('after the erasure the page shows nothing of the shopper and offers nothing that needs the token', async () => {
        assert(await page.locator('#state-content').isHidden(), 'the data is still shown');
        assert(await page.locator('#session').isHidden(), 'the session and "End session" are still shown');
        assert((await page.getByRole('button').count()) === 0, 'a button is still offered');
      });
      await auditState(page, log, 'deleted', out);
    } finally {
      await context.close();
    }
  }

  // ---- empty: a shopper with a decision and no events
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(`${privacy}#${await mintToken(server, 'quiet-1')}`);
      await visible(page, '#state-content');
      await check('empty: a shopper with no events is told nothing is held, and keeps the choices', async () => {
        const text = await page.locator('#hold').innerText();
        assert(text.includes('We hold no activity about you'), text.slice(0, 120));
        assert(await page.getByRole('switch', { name: 'Shop statistics' }).getAttribute('aria-checked') === 'false', 'analytics is not off');
        const history = await page.locator('#history-body').innerText();
        assert(/Shop statistics: no/.test(history), history);
      });
      await auditState(page, log, 'empty', out);
    } finally {
      await context.close();
    }
  }

  // ---- error: expired, forged, no token
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(`${privacy}#${mintExpiredToken(server, 'fan-1')}`);
      await check('error: an expired token shows the expired state, and its data is not requested', async () => {
        assert((await messageTitle(page)) === 'This link has expired', await page.locator('#message-title').textContent());
        assert(await page.locator('#state-content').isHidden(), 'content shown');
        assert(page.url() === privacy, 'the token is still in the address bar');
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
      });
      await auditState(page, log, 'error', out);
    } finally {
      await context.close();
    }
  }
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(`${privacy}#${forge(fan1)}`);
      await check('error: a forged token is refused by the server and shows the error state', async () => {
        assert((await messageTitle(page)) === 'We could not confirm this link', await page.locator('#message-title').textContent());
        assert(await page.locator('#state-content').isHidden(), 'content shown');
        assert(await page.locator('#session').isHidden(), 'a session is shown');
      });
      // The browser logs every 4xx answer to a fetch as a console error:
      // the one 401 that the error state is made of is left out, and
      // nothing else.
      const refusals = log.refusals.length;
      await check('forged: the server refused it once, and the page made no other request', async () => {
        assert(refusals === 1 && log.api.length === 1, `${refusals} refusals, requests: ${log.api.join(', ')}`);
      });
      const handled = log.console.findIndex((m) => /^Failed to load resource: .* status of 401 .* at \/v1\//.test(m));
      if (refusals === 1 && handled >= 0) log.console.splice(handled, 1);
      await auditState(page, log, 'forged', out);
    } finally {
      await context.close();
    }
  }
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(privacy);
      await check('no token: the page explains how to get here', async () => {
        assert((await messageTitle(page)) === 'Open your privacy center from the shop', await page.locator('#message-title').textContent());
        assert(/link/.test(await page.locator('#message-body').innerText()), 'no explanation');
      });
      await auditState(page, log, 'no-token', out);
    } finally {
      await context.close();
    }
  }

  // ---- Global Privacy Control
  {
    const { context, page, log } = await openPage(browser, server, {
      context: { extraHTTPHeaders: { 'Sec-GPC': '1' } },
      initScript: () => {
        if (navigator.globalPrivacyControl !== true) {
          Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
        }
      },
    });
    try {
      await page.goto(`${privacy}#${await mintToken(server, 'fan-2')}`);
      await visible(page, '#state-content');
      await check('GPC: a badge shows and marketing stays off, with the reason', async () => {
        assert(await page.locator('#gpc-notice .badge').isVisible(), 'no badge');
        const marketing = page.getByRole('switch', { name: 'Marketing messages' });
        assert((await marketing.getAttribute('aria-checked')) === 'false', 'marketing is on');
        assert((await marketing.getAttribute('aria-disabled')) === 'true', 'marketing can be switched on');
        await marketing.focus();
        await page.keyboard.press('Space');
        await page.locator('#choices-status', { hasText: 'Global Privacy Control' }).waitFor({ timeout: 5_000 });
        assert((await marketing.getAttribute('aria-checked')) === 'false', 'marketing turned on');
        assert(/Global Privacy Control/.test(await page.locator('#purpose-marketing-decision').innerText()), 'no reason');
        const consent = await server.api('GET', `/v1/${REGION}/customers/fan-2/consent?id_kind=customer`);
        const m = consent.json.purposes.marketing;
        assert(m.decision === 'denied' && m.source === 'gpc', `the server recorded no GPC refusal: ${JSON.stringify(m)}`);
      });
      await auditState(page, log, 'gpc', out);
    } finally {
      await context.close();
    }
  }
  {
    const { context, page } = await openPage(browser, server);
    try {
      await page.goto(`${privacy}#${await mintToken(server, 'fan-3')}`);
      await visible(page, '#state-content');
      await check('without GPC no badge shows and marketing can be switched', async () => {
        assert(await page.locator('#gpc-notice').isHidden(), 'badge shown');
        assert((await page.getByRole('switch', { name: 'Marketing messages' }).getAttribute('aria-disabled')) === null, 'marketing locked');
      });
      await check('"End session" forgets the token: the data is gone and no request follows', async () => {
        const calls = [];
        page.on('request', (r) => calls.push(r.url()));
        await page.getByRole('button', { name: 'End session' }).click();
        assert((await messageTitle(page)) === 'Your session has ended', await page.locator('#message-title').textContent());
        assert(await page.locator('#state-content').isHidden(), 'the data is still shown');
        assert(calls.length === 0, `requested after ending: ${calls.length}`);
      });
      await check('going back and forward in the history does not bring the token back', async () => {
        await page.goBack();
        await page.goForward();
        assert(page.url() === privacy, `address: ${page.url().replace(/st_[^#&]*/, 'st_…')}`);
        assert((await messageTitle(page)) === 'Open your privacy center from the shop', await page.locator('#message-title').textContent());
      });
    } finally {
      await context.close();
    }
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  args.confide = path.resolve(args.confide);
  if (args.webRoot) args.webRoot = path.resolve(args.webRoot);
  fs.mkdirSync(args.out, { recursive: true });
  const server = new Server(args);
  let browser = null;
  const stopNow = () => server.killNow();
  process.once('exit', stopNow);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      console.log(`FAIL suite: stopped by ${signal}`);
      try { await browser?.close(); } catch { /* already gone */ }
      await server.stop();
      process.exit(130);
    });
  }
  let timer;
  const budget = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the suite took longer than ${BUDGET_MS / 1000} s`)), BUDGET_MS);
  });
  try {
    const run = (async () => {
      let ready = false;
      await check('confide serve starts on a temporary data dir and is ready', async () => {
        await server.start();
        ready = true;
        return `port ${server.port}`;
      });
      if (!ready) return;
      let seeded = false;
      await check('the shoppers are seeded through the API and the trained models personalize', async () => {
        const { events } = await seed(server);
        seeded = true;
        return `fan-0 has ${events} events`;
      });
      if (!seeded) return;
      let launched = false;
      await check('Debian\'s Chromium starts through playwright-core', async () => {
        browser = await chromium.launch({ executablePath: args.chromium, args: CHROMIUM_ARGS, timeout: 30_000 });
        launched = true;
        return browser.version();
      });
      if (!launched) return;
      await suite(args, server, browser);
    })();
    await Promise.race([run, budget]);
  } catch (error) {
    await check('suite', () => { throw error; });
  } finally {
    clearTimeout(timer);
    try { await browser?.close(); } catch { /* already gone */ }
    await server.stop();
  }
  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  console.log(`web tests: ${((Date.now() - STARTED) / 1000).toFixed(1)} s, screenshots in ${args.out}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main();
