// The data-protection officer's console (/console/dpo/): the key form and
// the session's errors, the consent overview, requests (search, export and
// erasure on behalf), the audit log (pages, filters, a tampered chain) and
// residency (regions, retention, key rotation). Runs after the privacy
// center's checks, whose erasure of fan-0 it looks up.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { REGION, assert, check, waitFor } from './lib/harness.mjs';
import { ELSEWHERE } from './lib/server.mjs';
import { openPage, auditState, visible, excuseRefusals, checkPageHeaders } from './lib/browser.mjs';

const OTHER = 'eu';            // the second hosted region
const PANEL = 45;              // us shoppers granting personalization and analytics: over one page of audit records
const REFUSING = 3;            // of them, refusing marketing: fewer than 10
const OTHER_PANEL = 11;        // eu shoppers granting marketing
const ERASED_HERE = 'fan-4';   // erased through the console

// Consent decisions through the API (with the admin key), so that some
// counts are shown and some withheld: run while the model trains.
export async function dpoPrepare(server) {
  const puts = [];
  for (let i = 0; i < PANEL; ++i) {
    const purposes = { personalization: true, analytics: true, ...(i < REFUSING ? { marketing: false } : {}) };
    puts.push([REGION, `panel-${i}`, purposes]);
  }
  for (let i = 0; i < OTHER_PANEL; ++i) puts.push([OTHER, `panel-${OTHER}-${i}`, { marketing: true }]);
  for (let i = 0; i < puts.length; i += 8) {
    await Promise.all(puts.slice(i, i + 8).map(async ([region, id, purposes]) => {
      const r = await server.api('PUT', `/v1/${region}/customers/${id}/consent?id_kind=customer`, { purposes });
      assert(r.status === 200, `PUT consent of ${id} in ${region}: ${r.status} ${r.body.slice(0, 160)}`);
    }));
  }
  return `${puts.length} decisions in ${REGION} and ${OTHER}`;
}

const audit = (page, log, state, out, options = {}) => auditState(page, log, state, out, { prefix: 'dpo', ...options });

async function enterKey(page, key) {
  await page.locator('#key-input').fill(key);
  await page.locator('#key-input').press('Enter');
}

async function openSection(page, name, ready) {
  await page.getByRole('link', { name }).click();
  await visible(page, ready);
}

const texts = (page, selector) => page.locator(selector).allInnerTexts();

// The cell of a purpose's row in the in-force table.
const cell = (page, purpose, count) =>
  page.locator(`#consent-in-force tr[data-purpose="${purpose}"] td[data-count="${count}"]`).innerText();

// The width of the page's content at a viewport of `width` px.
async function widthAt(page, width) {
  await page.setViewportSize({ width, height: 900 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize({ width: 1280, height: 900 });
  return wide;
}

// Runs `fn` while the API's answers to `pattern` are changed by `change`
// (the answer's JSON, changed in place): states the seeded server cannot
// reach.
async function withAnswers(page, pattern, change, fn) {
  const inFlight = new Set();
  const handler = (route) => {
    const handled = (async () => {
      const response = await route.fetch();
      const json = await response.json();
      change(json);
      await route.fulfill({ response, json });
    })();
    inFlight.add(handled);
    return handled.finally(() => inFlight.delete(handled));
  };
  await page.route(pattern, handler);
  try {
    return await fn();
  } finally {
    // A request still being changed would be answered twice once unrouted.
    await Promise.allSettled([...inFlight]);
    await page.unroute(pattern, handler);
  }
}

async function dialogOpen(page) {
  await visible(page, '#confirm-dialog[open]');
  return page.evaluate(() => document.activeElement && document.activeElement.id);
}

export async function dpoSuite(args, server, browser) {
  const out = args.out;
  const url = `${server.base}/console/dpo/`;

  await check('GET /console/dpo/ carries the CSP and the other security headers, no inline code, hashed assets',
    () => checkPageHeaders(server, '/console/dpo/', 'dpo\\.js', 'console\\.css'));

  // ---- one region's dsar key: the key form, refusals, then every section
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(url);
      await visible(page, '#state-key');
      await check('no key: the console shows the key form and asks the API nothing', async () => {
        assert(await page.getByLabel('API key', { exact: true }).isVisible(), 'no labelled key field');
        assert(await page.locator('#state-content').isHidden(), 'the console is shown without a key');
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
      });
      await audit(page, log, 'no-key', out);

      await enterKey(page, `ck_00000000_${'0'.repeat(64)}`);
      await visible(page, '#key-problem');
      await check('a key the server refuses (401): "this key was not accepted" and the key form again', async () => {
        const text = await page.locator('#key-problem').innerText();
        assert(/this key was not accepted/i.test(text), text);
        assert(await page.locator('#state-key').isVisible() && await page.locator('#state-content').isHidden(), 'not the key form');
        assert(log.refusals.length === 1 && log.api.length === 1, `${log.refusals.length} refusals; requests: ${log.api.join(', ')}`);
      });
      excuseRefusals(log, 401, /^\/v1\/session$/);
      await audit(page, log, 'refused', out);

      await enterKey(page, server.keys.elsewhere);
      await visible(page, '#state-message');
      await check('a key for a region not hosted here: the server\'s 403 message, not a blank page', async () => {
        const api = await server.apiAs(server.keys.elsewhere, 'GET', '/v1/session');
        const error = api.json && api.json.error;
        assert(api.status === 403 && error && error.code === 'permission_denied' && error.field === 'regions', `API: ${api.status} ${api.body}`);
        const text = await page.locator('#message-body').innerText();
        assert(text.includes(error.message), `the page says: ${text.slice(0, 160)}`);
        assert(await page.locator('#state-content').isHidden(), 'the console is shown');
      });
      excuseRefusals(log, 403, /^\/v1\/session$/);
      await audit(page, log, 'no-region', out);
      await page.getByRole('button', { name: 'Use another key' }).click();

      await enterKey(page, server.keys.dsar);
      await visible(page, '#consent-in-force');
      await check('a dsar key opens the console: its key id, its one region, no region switcher', async () => {
        const session = await server.apiAs(server.keys.dsar, 'GET', '/v1/session');
        assert(session.status === 200 && session.json.regions.join() === REGION, `session: ${session.body}`);
        assert((await page.locator('#session-key').innerText()).includes(session.json.key_id), 'the key id is not shown');
        assert(await page.locator('#region-switch').isHidden(), 'a switcher for one region');
        assert((await page.locator('#region-single').innerText()).includes(REGION), 'the region is not named');
      });
      await check('the key is in no address, history entry, DOM, storage or cookie', async () => {
        const key = server.keys.dsar;
        assert(!page.url().includes('ck_'), `address: ${page.url()}`);
        const inPage = await page.evaluate(async (k) => ({
          stored: localStorage.length + sessionStorage.length, cookie: document.cookie,
          html: document.documentElement.outerHTML.includes(k), field: document.getElementById('key-input').value,
          databases: indexedDB.databases ? (await indexedDB.databases()).length : 0,
        }), key);
        assert(inPage.stored === 0 && inPage.cookie === '' && (await context.cookies()).length === 0, 'stored or set a cookie');
        assert(!inPage.html && inPage.field === '' && inPage.databases === 0, 'the key is left in the DOM or a database');
      });
      await check('consent overview: counts of 10 or more shown, smaller ones as "fewer than 10", as the API answers', async () => {
        const stats = (await server.apiAs(server.keys.dsar, 'GET', `/v1/${REGION}/consent/stats`)).json;
        const personalization = stats.purposes.find((p) => p.purpose === 'personalization');
        const marketing = stats.purposes.find((p) => p.purpose === 'marketing');
        assert(personalization.granted >= PANEL && marketing.refused === null, `API: ${JSON.stringify(stats.purposes).slice(0, 200)}`);
        const granted = await cell(page, 'personalization', 'granted');
        assert(granted === personalization.granted.toLocaleString('en'), `personalization granted: ${granted}`);
        const refused = await cell(page, 'marketing', 'refused');
        assert(refused === 'fewer than 10', `marketing refused: ${refused}`);
        const sources = await page.locator('#consent-body').innerText();
        const named = stats.purposes.flatMap((p) => p.by_source.map((b) => b.source));
        assert(named.includes('api') && /the shop's website or app/.test(sources), 'the API source is not in words');
        assert(!named.includes('gpc') || /Global Privacy Control/.test(sources), 'GPC is not in words');
        assert(!/\b[a-z]+_[a-z_]+\b/.test(sources), `a source's code name is shown: ${/\b[a-z]+_[a-z_]+\b/.exec(sources)}`);
        const label = await page.locator('#consent-shoppers').evaluate((dd) => dd.previousElementSibling.textContent);
        assert(label === 'Shoppers in this region', `the count of shoppers is labelled "${label}"`);
        const shoppers = await page.locator('#consent-shoppers').innerText();
        assert(shoppers === (stats.shoppers === null ? 'fewer than 10' : stats.shoppers.toLocaleString('en')), `shoppers: ${shoppers}`);
        return `personalization granted ${granted}, marketing refused ${refused}`;
      });
      await check('consent overview: a summed "other" source reads "other sources", and every withheld count "fewer than 10"', async () => {
        await withAnswers(page, '**/consent/stats', (stats) => {
          stats.shoppers = null;
          for (const p of stats.purposes) {
            p.no_decision = null;
            p.by_source = [...p.by_source.filter((b) => b.granted !== null), { source: 'other', granted: null, refused: 12 }];
          }
        }, async () => {
          await page.getByRole('link', { name: 'Consent overview' }).click();
          // The altered answer's row (refused 12): a real "other" row may be shown before it.
          await page.locator('#consent-body tr', { hasText: /other sources.*12/ }).first().waitFor({ timeout: 15_000 });
        });
        const rows = await page.locator('#consent-body tr', { hasText: 'other sources' }).allInnerTexts();
        assert(rows.length === 4 && rows.every((r) => /other sources\s+fewer than 10\s+12$/.test(r.trim())), `rows: ${rows.join(' | ')}`);
        const withheld = await page.locator('#consent-in-force td[data-count="no_decision"]').allInnerTexts();
        assert(withheld.length === 4 && withheld.every((t) => t === 'fewer than 10'), `no decision: ${withheld.join(', ')}`);
        assert((await page.locator('#consent-shoppers').innerText()) === 'fewer than 10', 'the shoppers count');
        assert(!/\bnull\b|\bother\b(?! sources)/.test(await page.locator('#consent-body').innerText()), 'a null or a code name is shown');
      });
      await check('consent overview: a 30-day SVG chart per purpose hidden from screen readers, and the data as tables', async () => {
        const charts = page.locator('#consent-body svg.chart[aria-hidden="true"]');
        assert((await charts.count()) === 4, `${await charts.count()} charts`);
        assert((await page.locator('#consent-body svg.chart circle.granted').count()) > 0, 'no grant drawn');
        const tables = page.locator('#consent-body details table.trend-table');
        assert((await tables.count()) === 4, 'no trend table per purpose');
        assert((await tables.first().locator('caption').count()) === 1, 'a table without a caption');
        assert((await tables.first().locator('tbody th[scope="row"]').count()) === 30, 'not 30 days');
        assert((await tables.first().locator('thead th[scope="col"]').count()) === 3, 'no column headers');
      });
      await audit(page, log, 'consent', out);

      await openSection(page, 'Requests', '#requests-body > *');
      await page.locator('#requests-customer').fill('fan-0');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#requests-status', { hasText: 'for customer “fan-0”' }).waitFor({ timeout: 15_000 });
      await check('requests: searching the customer id finds the erasure made in the privacy center', async () => {
        const items = page.locator('#requests-list li[data-action="erasure"]');
        assert((await items.count()) >= 1, 'no erasure listed');
        const text = await items.first().innerText();
        assert(/privacy center/.test(text) && /activity records? deleted/.test(text), text.slice(0, 200));
      });
      await audit(page, log, 'requests', out);

      await page.locator('#requests-customer').fill('nobody-at-all');
      await page.getByRole('button', { name: 'Search' }).click();
      await visible(page, '#requests-empty');
      await check('requests: a customer with no request is told none is recorded', async () => {
        assert(/No export or erasure is recorded/.test(await page.locator('#requests-empty').innerText()), 'no empty state');
      });
      await audit(page, log, 'requests-empty', out);

      const longId = `long-${'x'.repeat(495)}`;
      await page.locator('#requests-customer').fill(longId);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#requests-status', { hasText: longId }).waitFor({ timeout: 15_000 });
      await check('requests: a 500-character customer id searched wraps in the status and the empty state: the page fits 360 px', async () => {
        assert((await page.locator('#requests-empty').innerText()).includes(longId), 'the empty state does not name the id');
        const wide = await widthAt(page, 360);
        assert(wide <= 360, `the page is ${wide} px wide at 360`);
      });

      await check('requests: "." and ".." are refused before anything is sent (search, export, erase)', async () => {
        const sent = log.api.length;
        await page.locator('#requests-customer').fill('..');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.locator('#requests-status', { hasText: 'This id cannot be used in an address' }).waitFor({ timeout: 5_000 });
        assert((await page.locator('#requests-customer').getAttribute('aria-invalid')) === 'true', 'the field is not marked invalid');
        for (const [id, button] of [['.', 'Export their data'], ['..', 'Erase their data']]) {
          await page.locator('#act-customer').fill(id);
          await page.getByRole('button', { name: button }).click();
          await page.locator('#act-status', { hasText: 'This id cannot be used in an address' }).waitFor({ timeout: 5_000 });
          assert(await page.locator('#confirm-dialog').evaluate((d) => !d.open), `${button} opened the dialog for "${id}"`);
          await page.locator('#act-status').evaluate((p) => { p.textContent = ''; });
        }
        assert(log.api.length === sent, `sent: ${log.api.slice(sent).join(', ')}`);
      });

      await page.locator('#act-customer').fill('fan-1');
      await page.getByRole('button', { name: 'Export their data' }).click();
      await check('export: the button only opens the confirmation dialog, focus in it', async () => {
        assert((await dialogOpen(page)) === 'confirm-no', 'focus is not in the dialog');
        assert(!log.api.some((r) => r.endsWith('/data')), 'exported before Confirm');
      });
      await audit(page, log, 'dialog', out, { fullPage: false });
      await check('export on behalf: Confirm downloads the JSON export', async () => {
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 15_000 }),
          page.getByRole('button', { name: 'Download the export' }).click(),
        ]);
        assert(/\.json$/.test(download.suggestedFilename()), download.suggestedFilename());
        const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
        assert(doc.summary && Array.isArray(doc.events) && doc.events.length > 0, 'not the export document');
        await download.delete();
      });

      const profile = () => server.api('GET', `/v1/${REGION}/customers/${ERASED_HERE}/profile?id_kind=customer`);
      await page.locator('#act-customer').fill(ERASED_HERE);
      await check('erase: Cancel in the dialog erases nothing', async () => {
        await page.getByRole('button', { name: 'Erase their data' }).click();
        assert((await dialogOpen(page)) === 'confirm-no', 'focus is not in the dialog');
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.locator('#act-status', { hasText: 'Nothing was erased' }).waitFor({ timeout: 5_000 });
        assert(!log.api.some((r) => r.startsWith('DELETE')), 'a DELETE was sent');
        assert((await profile()).status === 200, 'the shopper is gone');
      });
      await check('erase on behalf: Confirm erases and shows the receipt', async () => {
        await page.getByRole('button', { name: 'Erase their data' }).click();
        await dialogOpen(page);
        await page.getByRole('button', { name: 'Erase everything' }).click();
        await visible(page, '#act-receipt');
        const receipt = await page.locator('#act-receipt').innerText();
        assert(/Activity records deleted\s+[1-9]/.test(receipt) && /Data keys destroyed\s+1/.test(receipt), receipt.slice(0, 200));
        assert((await profile()).status === 404, 'the profile is still there');
      });
      await audit(page, log, 'receipt', out);

      await openSection(page, 'Audit log', '#audit-list');
      await visible(page, '#audit-badge');
      await check('audit: the badge says how many records are verified, with the head hash', async () => {
        const v = (await server.apiAs(server.keys.dsar, 'GET', `/v1/${REGION}/audit/verify`)).json;
        const badge = await page.locator('#audit-badge').innerText();
        assert(v.ok && new RegExp(`${v.records.toLocaleString('en')} records verified`).test(badge), `badge: ${badge.slice(0, 120)}`);
        assert((await page.locator('#audit-head').innerText()) === v.head_hash, 'no head hash');
      });
      await check('audit: 50 records newest first, and "Older" continues from the cursor', async () => {
        const first = (await page.locator('#audit-list > li').evaluateAll((li) => li.map((e) => Number(e.dataset.seq))));
        assert(first.length === 50 && first.every((s, i) => !i || s < first[i - 1]), `first page: ${first.length}`);
        await page.getByRole('button', { name: 'Older' }).click();
        await waitFor('older records', async () => (await page.locator('#audit-list > li').count()) > 50);
        const all = await page.locator('#audit-list > li').evaluateAll((li) => li.map((e) => Number(e.dataset.seq)));
        assert(all.every((s, i) => !i || s < all[i - 1]), 'not newest first without repeats');
        return `${all.length} records`;
      });
      await check('audit: the action filter lists only that action; the search above left a "request search" record', async () => {
        await page.getByLabel('Action').selectOption('profile_read');
        await page.getByRole('button', { name: 'Show', exact: true }).click();
        await waitFor('profile reads only', async () => {
          const actions = await page.locator('#audit-list > li').evaluateAll((li) => li.map((e) => e.dataset.action));
          return actions.length > 0 && actions.every((a) => a === 'profile_read');
        });
        const reads = await texts(page, '#audit-list > li');
        const dsarId = (await server.apiAs(server.keys.dsar, 'GET', '/v1/session')).json.key_id;
        assert(reads.some((t) => t.includes('request search') && t.includes(dsarId)), `profile reads: ${reads.slice(0, 2).join(' | ')}`);
        await page.getByLabel('Action').selectOption('erasure');
        await page.getByRole('button', { name: 'Show', exact: true }).click();
        await waitFor('erasures only', async () => {
          const actions = await page.locator('#audit-list > li').evaluateAll((li) => li.map((e) => e.dataset.action));
          return actions.length >= 1 && actions.every((a) => a === 'erasure');
        });
      });
      await audit(page, log, 'audit', out);

      await check('audit: actors that are not API keys are named in words, "API key" only for keys', async () => {
        const actors = {
          cli: 'the command line', config: 'changed configuration', scheduler: 'scheduled jobs',
          'erasure-rekey': 'rotating the key after an erasure', shopper: 'the shopper, in the privacy center',
          '(before a restore)': 'before a restore', '': 'the server',
        };
        const ids = Object.keys(actors);
        const by = await withAnswers(page, /\/v1\/[^/]+\/audit\?/, (answer) => {
          ids.forEach((id, i) => { if (answer.entries[i]) answer.entries[i].key_id = id; });
        }, async () => {
          await page.getByLabel('Action').selectOption('');
          await page.getByRole('button', { name: 'Show', exact: true }).click();
          await page.locator('#audit-list > li', { hasText: 'the command line' }).first().waitFor({ timeout: 15_000 });
          return page.locator('#audit-list > li .record-meta').evaluateAll((lines) => lines.map((l) => /By: ([^·]*)/.exec(l.textContent)[1].trim()));
        });
        ids.forEach((id, i) => assert(by[i].includes(actors[id]) && !/API key/.test(by[i]), `"${id}" is shown as "${by[i]}"`));
        const misnamed = by.filter((who) => /^API key (cli|config|scheduler|erasure-rekey|shopper|\(before a restore\))?$/.test(who));
        assert(misnamed.length === 0, `shown: ${misnamed.join(' | ')}`);
      });

      await openSection(page, 'Residency and retention', '#residency-regions');
      await check('residency: every configured region, where it is hosted, and retention per kind of data', async () => {
        const res = (await server.apiAs(server.keys.dsar, 'GET', `/v1/${REGION}/residency`)).json;
        const regions = await texts(page, '#residency-regions > li');
        assert(regions.length === res.regions.length && res.regions.length === 3, `${regions.length} regions shown`);
        const far = await page.locator(`#residency-regions li[data-region="${ELSEWHERE}"]`).innerText();
        assert(/Hosted elsewhere/.test(far) && far.includes(`https://${ELSEWHERE}.example`), far);
        assert(/Hosted on this node/.test(await page.locator(`#residency-regions li[data-region="${OTHER}"]`).innerText()), 'eu');
        for (const c of res.retention.categories) {
          const kept = await page.locator(`#retention-table tr[data-category="${c.category}"] td`).innerText();
          assert(c.days ? kept.startsWith(`${c.days.toLocaleString('en')} days`) : /until/.test(kept), `${c.category}: ${kept}`);
        }
        assert((await page.locator('#kek-version').innerText()) === String(res.kek_version), 'no key version');
      });
      await check('rotate with a dsar-only key: the server\'s 403 message, and the key version does not move', async () => {
        const before = (await server.api('GET', `/v1/${REGION}/residency`)).json.kek_version;
        await page.getByRole('button', { name: 'Rotate the key' }).click();
        await dialogOpen(page);
        await page.getByRole('button', { name: 'Rotate now' }).click();
        await page.locator('#rotate-status', { hasText: 'not rotated' }).waitFor({ timeout: 15_000 });
        const r = await server.apiAs(server.keys.dsar, 'POST', `/v1/${REGION}/keys/rotate`, {});
        const said = await page.locator('#rotate-status').innerText();
        assert(r.status === 403 && said.includes(r.json.error.message), `page: ${said}; API: ${r.status} ${r.body}`);
        assert((await server.api('GET', `/v1/${REGION}/residency`)).json.kek_version === before, 'the version moved');
      });
      excuseRefusals(log, 403, /\/keys\/rotate$/);
      await audit(page, log, 'rotate-refused', out);

      // Every section filled, and the dialog naming a shopper, before the key is forgotten.
      await openSection(page, 'Requests', '#requests-body > *');
      await page.getByRole('button', { name: 'Show all' }).click();
      await visible(page, '#requests-list');
      await page.locator('#act-customer').fill('fan-5');
      await page.getByRole('button', { name: 'Export their data' }).click();
      await dialogOpen(page);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await check('"Forget the key" leaves nothing the key showed in the page: dialog, requests, audit, consent, residency', async () => {
        const shown = await page.evaluate(() => {
          const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent.trim()).filter(Boolean);
          return {
            dialog: texts('#confirm-text p'), requests: texts('#requests-list .mono'), audit: texts('#audit-list .mono'),
            consent: texts('#consent-in-force td'), residency: texts('#residency-regions .mono'),
          };
        });
        for (const [part, found] of Object.entries(shown)) assert(found.length, `nothing shown in ${part} before forgetting`);
        assert(shown.dialog.some((t) => t.includes('fan-5')), `the dialog did not name fan-5: ${shown.dialog.join(' | ')}`);
        await page.getByRole('button', { name: 'Forget the key' }).click();
        await visible(page, '#state-key');
        const all = [...shown.dialog, ...shown.requests, ...shown.audit, 'fan-5', `${ELSEWHERE}.example`];
        const left = await page.evaluate((texts) => texts.filter((t) => document.body.textContent.includes(t)), all);
        assert(left.length === 0, `still in the page: ${left.slice(0, 3).join(' | ')}`);
        const filled = await page.evaluate(() => ['confirm-text', 'consent-body', 'requests-body', 'act-receipt', 'audit-verify', 'audit-body',
          'residency-body', 'region-select', 'region-single', 'session-key'].filter((id) => document.getElementById(id).childNodes.length));
        assert(filled.length === 0, `not emptied: ${filled.join(', ')}`);
      });
    } finally {
      await context.close();
    }
  }

  // ---- the admin key: two hosted regions, rotation, a tampered log
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(`${url}#consent`);
      await enterKey(page, server.keys.admin);
      await visible(page, '#consent-in-force');
      await check('a key reaching two hosted regions gets a region switcher, which switches the data shown', async () => {
        const select = page.getByLabel('Region');
        assert(await select.isVisible(), 'no region switcher');
        const options = await select.locator('option').allInnerTexts();
        assert(options.includes(REGION) && options.includes(OTHER), `options: ${options.join(', ')}`);
        const shown = {};
        for (const region of [OTHER, REGION]) {
          await select.selectOption(region);
          await page.locator('#consent-body strong.mono', { hasText: region }).waitFor({ timeout: 15_000 });
          shown[region] = await cell(page, 'marketing', 'granted');
        }
        assert(shown[OTHER] === String(OTHER_PANEL) && shown[REGION] === 'fewer than 10', JSON.stringify(shown));
        return `marketing granted: ${OTHER} ${shown[OTHER]}, ${REGION} ${shown[REGION]}`;
      });
      await audit(page, log, 'regions', out);

      await openSection(page, 'Residency and retention', '#kek-version');
      await check('rotate with an admin key: Cancel leaves the key version, Confirm moves it', async () => {
        const version = async () => (await server.api('GET', `/v1/${REGION}/residency`)).json.kek_version;
        const before = await version();
        await page.getByRole('button', { name: 'Rotate the key' }).click();
        await dialogOpen(page);
        await page.getByRole('button', { name: 'Cancel' }).click();
        await page.locator('#rotate-status', { hasText: 'not rotated' }).waitFor({ timeout: 5_000 });
        assert((await version()) === before, 'Cancel rotated');
        await page.getByRole('button', { name: 'Rotate the key' }).click();
        await dialogOpen(page);
        await page.getByRole('button', { name: 'Rotate now' }).click();
        await page.locator('#rotate-status', { hasText: 'Rotated' }).waitFor({ timeout: 15_000 });
        await page.locator('#kek-version', { hasText: String(before + 1) }).waitFor({ timeout: 15_000 });
        assert((await version()) === before + 1, 'the server\'s version did not move');
        return `version ${before} → ${before + 1}`;
      });

      let tampered = false;
      await check('a record altered on disk: the audit badge names it after a restart', async () => {
        assert(args.tamper, 'run.mjs was given no --tamper BIN (the audit_tamper helper), so the altered-record check cannot run');
        const entries = (await server.api('GET', `/v1/${REGION}/audit?limit=1000`)).json.entries;
        const seq = entries[Math.floor(entries.length / 2)].seq;
        await server.restart(() => execFileSync(args.tamper, ['--data-dir', server.dataDir, '--region', REGION, '--seq', String(seq)],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
        tampered = true;
        const v = (await server.api('GET', `/v1/${REGION}/audit/verify`)).json;
        assert(v && v.ok === false && v.first_bad_seq === seq, `verify: ${JSON.stringify(v)}`);
        await openSection(page, 'Audit log', '#audit-badge.notice.error');
        const badge = await page.locator('#audit-badge').innerText();
        assert(badge.includes(`record ${seq}`) && badge.includes(v.problem), `badge: ${badge.slice(0, 200)}`);
        return v.problem;
      });
      if (tampered) await audit(page, log, 'tampered', out);
    } finally {
      await context.close();
    }
  }
}
