// The merchandiser's console (/console/merch/#sf_...): a staff link opens
// it once; its token reaches the merchandiser's routes of its region only;
// insights quote their cost before they run, show every number with its
// 95% interval, withhold what the server withholds, and reopen a stored
// answer for free; the preview says why a list is not personalized; the
// models train with their progress followed; the price table sorts and
// filters; the session's end or expiry empties everything.
import { REGION, assert, check, waitFor } from './lib/harness.mjs';
import { openPage, auditState, visible, excuseRefusals, messageTitle, checkPageHeaders } from './lib/browser.mjs';

const OTHER = 'eu';
const SHOPPERS = 200;            // granted shoppers buying in January 2026, in store s1 and online
const SMALL_STORE = 'merch-corner';
const SMALL_SHOPPERS = 3;        // shoppers of the small store: fewer than 20
const REFUSER = 'merch-refuser'; // refused personalization
const PERSONALIZED = 'fan-5';    // a seeded shopper the model personalizes (fan-0 and fan-4 are erased by the other suites)
const PERIOD = { from: '2026-01-01', to: '2026-01-31' };

const day = (d, hour = 10) => new Date(Date.UTC(2026, 0, d, hour)).toISOString().replace('.000Z', 'Z');

// Shoppers with purchases in January 2026 over the region: web, app, in
// store s1, bought online and picked up at s1, bought online and shipped
// from s1; three at a small store; a shopper who refused personalization;
// stock at both stores and price rules that differ between channels and
// stores. Every one of them has decided personalization (the refuser no,
// the others yes, with analytics): shoppers with no decision would raise
// the DPO console's "no decision" count past 10, and the server would then
// withhold its personalization grants so that the refusals, fewer than 10,
// cannot be derived by subtraction.
export async function merchPrepare(server) {
  const put = async (route, body) => {
    const r = await server.api('PUT', `/v1/${REGION}/${route}`, body);
    assert(r.status === 200, `PUT ${route}: ${r.status} ${r.body.slice(0, 200)}`);
  };
  await put('stores', [{ id: SMALL_STORE, name: 'Corner shop', latitude: 48.85, longitude: 2.35 }]);
  const stock = [];
  for (const category of ['a', 'b', 'c']) {
    for (let i = 0; i < 6; ++i) {
      stock.push({ location: 's1', product_id: `${category}-${i}`, quantity: 5 });
      stock.push({ location: SMALL_STORE, product_id: `${category}-${i}`, quantity: 2 });
    }
  }
  await put('inventory', stock);
  await put('prices', [
    { id: 'merch-c5-s1', product_id: 'c-5', store_id: 's1', channel: 'store', price: 1.5, starts: '2026-01-02T00:00:00Z' },
    { id: 'merch-b5-app', product_id: 'b-5', kind: 'promotion', channel: 'app', percent_off: 10, starts: '2026-01-03T00:00:00Z' },
    { id: 'merch-d11-web', product_id: 'd-11', channel: 'web', price: 2.6, starts: '2026-01-04T00:00:00Z' },
  ]);

  const events = [];
  const order = (shopper, orderId, when, channel, lines, store) => {
    for (const [product, quantity] of lines) {
      events.push({
        event_id: `${orderId}-${product}`, type: 'purchase', timestamp: when, customer_id: shopper, channel,
        product_id: product, quantity, unit_price: 2, currency: 'USD', order_id: orderId, ...(store ? { store_id: store } : {}),
      });
    }
  };
  for (let i = 0; i < SHOPPERS; ++i) {
    const shopper = `merch-${i}`;
    // Ten products of 100 buyers each: over the shopper floor of top products at ρ 0.1.
    const lines = [[`a-${i % 2}`, 1 + (i % 3)], [`b-${i % 2}`, 1], [`c-${i % 2}`, 2], [`a-${2 + (i % 2)}`, 1], [`b-${2 + (i % 2)}`, 1]];
    for (let n = 0; n < 2; ++n) {
      const id = `${shopper}-o${n}`;
      const when = day(5 + (i % 10) + n * 12);
      switch (i % 4) {
        case 0: order(shopper, id, when, 'web', lines); break;
        case 1: order(shopper, id, when, 'app', lines); break;
        case 2: order(shopper, id, when, 'store', lines, 's1'); break;
        default:
          // Bought online for the store: the first picked up there, the second shipped from it.
          order(shopper, id, when, 'web', lines, 's1');
          if (n === 0) {
            events.push({ event_id: `${id}-pickup`, type: 'pickup', timestamp: day(6 + (i % 10), 16), customer_id: shopper,
              channel: 'store', store_id: 's1', order_id: id });
          }
      }
    }
  }
  for (let i = 0; i < SMALL_SHOPPERS; ++i) {
    order(`merch-small-${i}`, `merch-small-${i}-o0`, day(8 + i), 'store', [['a-1', 1], ['c-1', 1]], SMALL_STORE);
  }
  order(REFUSER, `${REFUSER}-o0`, day(9), 'web', [['a-0', 1], ['d-3', 1]]);
  const decisions = [[REFUSER, { personalization: false }]];
  for (let i = 0; i < SHOPPERS; ++i) decisions.push([`merch-${i}`, { personalization: true, analytics: true }]);
  for (let i = 0; i < SMALL_SHOPPERS; ++i) decisions.push([`merch-small-${i}`, { personalization: true, analytics: true }]);
  for (let i = 0; i < decisions.length; i += 8) {
    await Promise.all(decisions.slice(i, i + 8).map(async ([id, purposes]) => {
      const r = await server.api('PUT', `/v1/${REGION}/customers/${id}/consent?id_kind=customer`, { purposes });
      assert(r.status === 200, `PUT consent of ${id}: ${r.status} ${r.body.slice(0, 160)}`);
    }));
  }
  for (let i = 0; i < events.length; i += 250) {
    const batch = events.slice(i, i + 250);
    const r = await server.api('POST', `/v1/${REGION}/events`, batch);
    assert(r.status === 200 && r.json && (r.json.accepted + (r.json.duplicates || 0)) === batch.length,
      `POST events: ${r.status} ${r.body.slice(0, 200)}`);
  }
  return `${SHOPPERS + SMALL_SHOPPERS + 1} shoppers, ${events.length} events in January 2026`;
}

// ------------------------------------------------------------------ helpers

const audit = (page, log, state, out, options = {}) => auditState(page, log, state, out, { prefix: 'merch', ...options });

// A merchandiser's link (or another role's): {token, link, expires_at}.
async function mint(server, body = { role: 'merchandiser' }, region = REGION) {
  const r = await server.api('POST', `/v1/${region}/staff/sessions`, body);
  assert(r.status === 201 && r.json && r.json.token && r.json.link, `POST staff/sessions: ${r.status} ${r.body.slice(0, 200)}`);
  return r.json;
}

async function spentRho(server, period = '2026-01') {
  const r = await server.api('GET', `/v1/${REGION}/analytics/budget?period=${period}`);
  assert(r.status === 200 && r.json && r.json.rho, `GET analytics/budget: ${r.status} ${r.body.slice(0, 200)}`);
  return Number(r.json.rho.spent);
}

async function openSection(page, name, ready) {
  await page.getByRole('link', { name, exact: true }).click();
  await visible(page, ready);
}

async function setPeriod(page) {
  await page.locator('#insights-from').fill(PERIOD.from);
  await page.locator('#insights-to').fill(PERIOD.to);
}

// Waits until the quote of the form as it is now is shown: the run button
// enabled again, the quote's text in place.
async function quoted(page) {
  await page.waitForFunction(() => {
    const button = document.getElementById('insights-run');
    const text = document.getElementById('insights-quote-text');
    return button && !button.disabled && text && document.getElementById('insights-quote').getAttribute('aria-busy') === null;
  }, null, { timeout: 15_000 });
  return (await page.locator('#insights-quote').innerText()).trim();
}

async function choose(page, query, { store = '', channel = '', rho = '0.01' } = {}) {
  await page.locator('#insights-query').selectOption(query);
  await page.locator('#insights-store').selectOption(store);
  await page.locator('#insights-channel').selectOption(channel);
  await page.locator('#insights-rho').selectOption(rho);
  return quoted(page);
}

// Runs the form's query and waits for its answer.
async function runQuery(page) {
  await page.evaluate(() => { document.getElementById('insights-status').textContent = ''; });
  await page.locator('#insights-run').click();
  await page.waitForFunction(() => {
    const status = document.getElementById('insights-status').textContent;
    return /answer is shown|not answered/.test(status) && document.getElementById('insights-result').getAttribute('aria-busy') === null;
  }, null, { timeout: 30_000 });
  return (await page.locator('#insights-status').innerText()).trim();
}

const bodyText = (page) => page.evaluate(() => document.body.textContent);

// ------------------------------------------------------------------ the suite

export async function merchSuite(args, server, browser) {
  const out = args.out;
  const url = `${server.base}/console/merch/`;

  await check('GET /console/merch/ carries the CSP and the other security headers, no inline code, hashed assets',
    () => checkPageHeaders(server, '/console/merch/', 'merch\\.js', 'merch\\.css'));

  await check('a merchandiser\'s session reaches its role\'s routes of its region only: audit 403, eu 403, the link token once', async () => {
    const { token } = await mint(server);
    const opened = await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`);
    assert(opened.status === 200 && opened.json && opened.json.token && opened.json.token !== token,
      `open: ${opened.status} ${opened.body.slice(0, 200)}`);
    const session = opened.json.token;
    const again = await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`);
    assert(again.status === 401, `the link's token opened a second session: ${again.status}`);
    const models = await server.apiAs(session, 'GET', `/v1/${REGION}/models`);
    assert(models.status === 200, `GET models: ${models.status} ${models.body.slice(0, 160)}`);
    const auditLog = await server.apiAs(session, 'GET', `/v1/${REGION}/audit`);
    assert(auditLog.status === 403 && auditLog.json?.error?.code === 'permission_denied', `GET audit: ${auditLog.status} ${auditLog.body.slice(0, 160)}`);
    const profile = await server.apiAs(session, 'GET', `/v1/${REGION}/customers/${PERSONALIZED}/profile?id_kind=customer`);
    assert(profile.status === 403, `GET profile: ${profile.status}`);
    const other = await server.apiAs(session, 'GET', `/v1/${OTHER}/models`);
    assert(other.status === 403, `GET ${OTHER}/models: ${other.status} ${other.body.slice(0, 160)}`);
    const otherQuery = await server.apiAs(session, 'POST', `/v1/${OTHER}/analytics/quote`, { query: 'basket_size', ...PERIOD });
    assert(otherQuery.status === 403, `POST ${OTHER}/analytics/quote: ${otherQuery.status}`);
    return `audit ${auditLog.status}, ${OTHER} ${other.status}, link reused ${again.status}`;
  });

  // ---- no link, a link for another role
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(url);
      await check('no link: the console says to open it from a merchandiser link and asks the API nothing', async () => {
        const title = await messageTitle(page);
        assert(/merchandiser link/.test(title), title);
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
      });
      await audit(page, log, 'no-link', out);

      const associate = await mint(server, { role: 'associate', store_id: 's1' });
      await page.goto(`${server.base}${associate.link.replace('/console/store/', '/console/merch/')}`);
      await page.locator('#message-title', { hasText: 'another page' }).waitFor({ timeout: 15_000 });
      await check('an associate\'s link in this console: "for another page", nothing asked, the token out of the address', async () => {
        const text = await page.locator('#state-message').innerText();
        assert(/store associate/.test(text), text.slice(0, 200));
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
        assert(!page.url().includes('sf_'), 'the token is still in the address');
      });
      await audit(page, log, 'wrong-role', out);
    } finally {
      await context.close();
    }
  }

  // ---- the session: insights, preview, models, prices, then "End session"
  {
    const { context, page, log } = await openPage(browser, server);
    const minted = await mint(server);
    try {
      await page.goto(`${server.base}${minted.link}`);
      await visible(page, '#state-content');
      await visible(page, '#insights-quote-text');

      await check('the link opens the console: the token is gone from the address, history, DOM, storage and cookies', async () => {
        assert(page.url() === url, `address bar: ${page.url().replace(/sf_[^#&]*/, 'sf_…')}`);
        const inPage = await page.evaluate(async () => ({
          local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
          historyLength: history.length, html: document.documentElement.outerHTML.includes('sf_'),
          databases: indexedDB.databases ? (await indexedDB.databases()).length : 0,
        }));
        assert(inPage.local === 0 && inPage.session === 0, `storage holds ${inPage.local + inPage.session} items`);
        assert(inPage.cookie === '' && (await context.cookies()).length === 0, 'a cookie was set');
        assert(inPage.databases === 0, 'an IndexedDB database was made');
        assert(!inPage.html, 'the token is in the DOM');
        assert(inPage.historyLength === 2, `history has ${inPage.historyLength} entries`);
        const line = await page.locator('#session-line').innerText();
        assert(line.includes(`Region ${REGION}`) && /ends in 1[45] minutes/.test(line), `session line: ${line}`);
        assert(log.api[0] === `POST /v1/${REGION}/staff/sessions/open`, `first request: ${log.api[0]}`);
      });

      {
        const again = await openPage(browser, server);
        try {
          await again.page.goto(`${server.base}${minted.link}`);
          const title = await messageTitle(again.page);
          await check('the link works once: opened again (as from the browser\'s history) it shows the server\'s refusal', async () => {
            const text = await again.page.locator('#state-message').innerText();
            assert(/cannot open a session/.test(title), title);
            assert(/exchanged/.test(text) && /new link/i.test(text), text.slice(0, 240));
            assert(await again.page.locator('#state-content').isHidden(), 'the console is shown');
            assert(again.log.api.length === 1 && again.log.refusals.length === 1, `requests: ${again.log.api.join(', ')}`);
          });
          excuseRefusals(again.log, 401, /\/staff\/sessions\/open$/);
          await audit(again.page, again.log, 'link-used', out);
        } finally {
          await again.context.close();
        }
      }

      // -- insights
      await setPeriod(page);
      const spentBefore = await spentRho(server);
      const quote = await choose(page, 'top_products', { rho: '0.1' });
      await check('insights: the cost is quoted before the query runs, and nothing is charged by quoting', async () => {
        assert(/costs ρ 0\.1\b/.test(quote) && /2026-01/.test(quote), quote);
        const button = await page.locator('#insights-run').innerText();
        assert(/costs ρ 0\.1\b/.test(button), `button: ${button}`);
        assert(log.api.some((r) => r === `POST /v1/${REGION}/analytics/quote`), 'no quote asked');
        assert(!log.api.some((r) => r === `POST /v1/${REGION}/analytics/query`), 'a query ran before it was asked for');
        assert((await spentRho(server)) === spentBefore, 'quoting charged the budget');
        const left = await page.locator('#insights-budget-table tr[data-month="2026-01"] td[data-left]').innerText();
        assert(Number(left) > 0 && Number(left) <= 0.5, `left for this console: ${left}`);
        return quote.slice(0, 80);
      });

      const ran = await runQuery(page);
      await check('insights: top products run, charged 0.1, every bar with its 95% interval and a table of the same numbers', async () => {
        assert(/charged/.test(ran), ran);
        const spent = await spentRho(server);
        assert(Math.abs(spent - spentBefore - 0.1) < 1e-9, `spent ${spentBefore} → ${spent}`);
        const repeat = await server.api('POST', `/v1/${REGION}/analytics/query`, { query: 'top_products', ...PERIOD, k: 10, rho: 0.1 });
        assert(repeat.status === 200 && repeat.json.repeat === true, `the admin's repeat: ${repeat.status} ${repeat.body.slice(0, 160)}`);
        const first = repeat.json.numbers.find((n) => n.statistic === 'buyers');
        const id = first.group.replace('product=', '');
        const row = page.locator(`#insights-result tr[data-group="${first.group}"]`);
        const shown = await row.locator('td[data-statistic="buyers"]').innerText();
        assert(shown === Math.round(first.value).toLocaleString('en'), `${id}: page ${shown}, API ${first.value}`);
        const rowText = await row.innerText();
        assert(rowText.includes(`${Math.round(first.ci95[0]).toLocaleString('en')} to ${Math.round(first.ci95[1]).toLocaleString('en')}`), rowText);
        const chart = await page.evaluate(() => {
          const svg = document.querySelector('#insights-result svg.bar-chart');
          return svg && { hidden: svg.getAttribute('aria-hidden'), bars: svg.querySelectorAll('rect.bar').length, whiskers: svg.querySelectorAll('line.whisker').length };
        });
        assert(chart && chart.hidden === 'true', 'no chart hidden from screen readers');
        assert(chart.bars === 10 && chart.whiskers === 3 * chart.bars, `${chart.bars} bars, ${chart.whiskers} whisker lines`);
        const captions = await page.locator('#insights-result table caption').allInnerTexts();
        assert(captions.some((c) => /95% intervals/.test(c)), captions.join(' | '));
        return `${id}: ${shown} buyers`;
      });

      const free = await quoted(page);
      await check('insights: the same query is then quoted "stored answer: free", and opening it charges nothing', async () => {
        assert(/Stored answer: free/.test(free), free);
        const spent = await spentRho(server);
        const status = await runQuery(page);
        assert(/nothing was charged/.test(status), status);
        assert(/at no cost/.test(await page.locator('#insights-cost').innerText()), 'no "at no cost"');
        assert((await spentRho(server)) === spent, 'the repeat was charged');
      });
      await audit(page, log, 'insights', out);

      await choose(page, 'channel_mix', { rho: '0.1' });
      await runQuery(page);
      await check('insights: the channel mix shows the channels and store fulfilments, each as a number or, under the shopper floor, withheld', async () => {
        const groups = await page.locator('#insights-result tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.group));
        for (const g of ['channel=web', 'channel=app', 'channel=store', 'fulfilment=in_store', 'fulfilment=pickup_in_store', 'fulfilment=ship_from_store']) {
          assert(groups.includes(g), `no row ${g}: ${groups.join(', ')}`);
        }
        const text = await page.locator('#insights-result').innerText();
        assert(/picked up in store/.test(text) && /shipped from the store/.test(text), 'fulfilments not in words');
        // 100 web shoppers with 200 orders clear the floor (124 orders at ρ 0.1); the 50 who picked up do not.
        const api = await server.api('POST', `/v1/${REGION}/analytics/query`, { query: 'channel_mix', ...PERIOD, rho: 0.1 });
        assert(api.status === 200 && api.json.repeat === true, `the admin's repeat: ${api.status} ${api.body.slice(0, 160)}`);
        const web = api.json.numbers.find((n) => n.group === 'channel=web' && n.statistic === 'orders');
        const pickup = api.json.numbers.find((n) => n.group === 'fulfilment=pickup_in_store' && n.statistic === 'orders');
        assert(web && !web.withheld && pickup && pickup.withheld === true && pickup.value === null, api.body.slice(0, 400));
        const webCell = await page.locator('#insights-result tr[data-group="channel=web"] td[data-statistic="orders"]').first().innerText();
        assert(webCell === Math.round(web.value).toLocaleString('en'), `web: page ${webCell}, API ${web.value}`);
        const pickupCells = await page.locator('#insights-result tr[data-group="fulfilment=pickup_in_store"]').first()
          .locator('td').evaluateAll((tds) => tds.map((td) => [td.className, td.textContent]));
        assert(pickupCells.length > 0 && pickupCells.every(([c, t]) => /withheld/.test(c) && !/\d/.test(t)),
          `pick-up row: ${JSON.stringify(pickupCells)}`);
        const count = await page.locator('#insights-withheld-count').innerText();
        assert(/withheld by the server/.test(count), count);
        return `web ${webCell} orders; pick-up withheld`;
      });

      await choose(page, 'bought_together', { store: SMALL_STORE });
      await runQuery(page);
      await check(`insights: a store with ${SMALL_SHOPPERS} shoppers shows bought-together pairs as withheld, no number`, async () => {
        const body = { query: 'bought_together', ...PERIOD, store_id: SMALL_STORE, k: 10, rho: 0.01 };
        const api = await server.api('POST', `/v1/${REGION}/analytics/query`, body);
        assert(api.status === 200 && api.json.repeat === true, `the admin's repeat: ${api.status} ${api.body.slice(0, 160)}`);
        assert(api.json.numbers.length === 0, `the API released ${api.json.numbers.length} numbers`);
        const text = await page.locator('#insights-withheld').innerText();
        assert(/Withheld/.test(text) && /fewer than 20 shoppers/.test(text), text);
        assert(await page.locator('#insights-result svg').count() === 0, 'a chart was drawn');
      });
      await audit(page, log, 'insights-withheld', out);

      await check('insights: an answer of this session is opened again from the list at no cost', async () => {
        const spent = await spentRho(server);
        await page.getByRole('button', { name: /Open again: Top products/ }).click();
        await page.locator('#insights-cost', { hasText: 'at no cost' }).waitFor({ timeout: 15_000 });
        assert(await page.locator('#insights-query').inputValue() === 'top_products', 'the form was not set to the answer');
        assert((await spentRho(server)) === spent, 'reopening was charged');
      });

      // -- the recommendation preview
      await openSection(page, 'Recommendation preview', '#preview-form');
      await page.locator('#preview-id').fill(PERSONALIZED);
      await page.locator('#preview-run').click();
      await visible(page, '#preview-personal-items');
      await check(`preview: ${PERSONALIZED} is personalized, beside the list without their data, each item with title, reason, price, fulfilment`, async () => {
        const api = await server.api('GET', `/v1/${REGION}/customers/${PERSONALIZED}/recommendations?id_kind=customer&k=10`);
        assert(api.json.personalized === true, `the API: ${api.body.slice(0, 160)}`);
        assert((await page.locator('#preview-personal-badge').innerText()) === 'Personalized', 'not shown personalized');
        assert((await page.locator('#preview-plain-badge').innerText()) === 'Not personalized', 'the plain list is personalized');
        const why = await page.locator('#preview-plain-why').innerText();
        assert(/without the shopper's data/.test(why), why);
        const first = await page.locator('#preview-personal-items li').first().innerText();
        assert(first.includes(api.json.items[0].title) && /Why: /.test(first) && /Price: /.test(first) && /Can be had: |Not available/.test(first), first);
        const audited = await server.api('GET', `/v1/${REGION}/audit?order=desc&limit=20`);
        assert(audited.body.includes('recommendation preview'), 'the preview is not in the audit log');
      });
      await audit(page, log, 'preview', out);

      await page.locator('#preview-id').fill(REFUSER);
      await page.locator('#preview-run').click();
      await page.locator('#preview-personal-why').waitFor({ timeout: 15_000 });
      await check('preview: a shopper who refused personalization is shown not personalized, with the no-grant words', async () => {
        const api = await server.api('GET', `/v1/${REGION}/customers/${REFUSER}/recommendations?id_kind=customer`);
        assert(api.json.personalized === false && api.json.why_not_personalized === 'no_grant', `the API: ${api.body.slice(0, 200)}`);
        const why = await page.locator('#preview-personal-why').innerText();
        assert(/has not allowed personalization/.test(why), why);
      });
      await audit(page, log, 'preview-no-grant', out);

      // -- models
      await openSection(page, 'Models', '#models-verdict');
      await visible(page, '#models-history-table');
      const trainingsBefore = await page.locator('#models-history-table tbody tr').count();
      await check('models: the live version, what it learned, its score against best sellers, each with its definition', async () => {
        const api = (await server.api('GET', `/v1/${REGION}/models`)).json.current;
        const verdict = await page.locator('#models-verdict').innerText();
        assert(verdict.includes(`Version ${api.version}`), verdict);
        const metrics = await page.locator('.metrics dd').evaluateAll((dds) => dds.map((dd) => ({
          key: dd.dataset.metric, value: dd.querySelector('.metric-value').textContent, what: dd.querySelector('.metric-what').textContent,
        })));
        assert(metrics.length >= 9 && metrics.every((m) => m.what.length > 30), `metrics: ${metrics.map((m) => m.key).join(', ')}`);
        assert(metrics.find((m) => m.key === 'shoppers').value === api.shoppers.toLocaleString('en'), 'shoppers differ from the API');
        assert(await page.locator('#models-blend tbody tr').count() === Object.keys(api.blend).length, 'blend weights missing');
        return `version ${api.version}, ${trainingsBefore} trainings listed`;
      });
      await audit(page, log, 'models', out);

      await page.getByRole('button', { name: 'Train now' }).click();
      await check('models: "Train now" starts a training, followed every second until the new version is live', async () => {
        await page.locator('#models-status', { hasText: /training finished|training failed|already running/i }).waitFor({ timeout: 90_000 });
        await waitFor('the training to finish on the page', async () => /training (finished|failed)/i.test(await page.locator('#models-status').innerText()), 90_000);
        const started = log.api.indexOf(`POST /v1/${REGION}/models/train`);
        assert(started >= 0, 'no POST models/train');
        assert(log.api.slice(started + 1).includes(`GET /v1/${REGION}/models`), 'the page did not follow the training');
        const api = (await server.api('GET', `/v1/${REGION}/models`)).json;
        assert(api.training.state !== 'running', 'still running');
        await waitFor('the new training in the list', async () => (await page.locator('#models-history-table tbody tr').count()) > trainingsBefore
          || trainingsBefore >= 10, 15_000);
        return `${api.training.state}, version ${api.training.version ?? api.current?.version}`;
      });

      // -- one price
      await openSection(page, 'One price', '#prices-table');
      await check('one price: the products whose price differs, as the API lists them', async () => {
        const api = (await server.api('GET', `/v1/${REGION}/price-consistency`)).json;
        const rows = await page.locator('#prices-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.product));
        assert(rows.length === api.products.length, `page ${rows.length}, API ${api.products.length}`);
        for (const id of ['c-5', 'b-5', 'd-11']) assert(rows.includes(id), `${id} missing: ${rows.join(', ')}`);
        const sortedBy = await page.locator('#prices-table th[aria-sort]').allInnerTexts();
        assert(sortedBy.length === 1 && sortedBy[0].startsWith('Difference')
          && await page.locator('#prices-table th[aria-sort="descending"]').count() === 1, `sorted by: ${sortedBy.join(', ')}`);
        const differences = await page.locator('#prices-table td[data-difference]').allInnerTexts();
        assert(differences.map(Number).every((d, i, all) => i === 0 || all[i - 1] >= d), `not highest first: ${differences.join(', ')}`);
      });
      await check('one price: the column buttons sort (aria-sort follows), the filters keep a store\'s and a product\'s rows', async () => {
        const ids = () => page.locator('#prices-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.product));
        await page.getByRole('button', { name: /^Product/ }).click();
        assert(await page.locator('#prices-table th[aria-sort]').count() === 1, 'aria-sort on several columns');
        assert((await page.locator('#prices-table th[aria-sort="ascending"]').innerText()).startsWith('Product'), 'not ascending by product');
        const up = await ids();
        assert(up.join() === [...up].sort((a, b) => a.localeCompare(b)).join(), `not ascending: ${up.join(', ')}`);
        await page.getByRole('button', { name: /^Product/ }).click();
        assert((await page.locator('#prices-table th[aria-sort="descending"]').innerText()).startsWith('Product'), 'not descending by product');
        const down = await ids();
        assert(down.join() === [...up].reverse().join(), `not descending: ${down.join(', ')}`);
        await page.locator('#prices-store').selectOption('s1');
        const atStore = await ids();
        assert(atStore.includes('c-5') && !atStore.includes('b-5') && !atStore.includes('d-11'), `store s1: ${atStore.join(', ')}`);
        await page.locator('#prices-store').selectOption('');
        await page.locator('#prices-product').fill('d-1');
        const found = await ids();
        assert(found.length >= 1 && found.every((id) => id.includes('d-1')) && found.includes('d-11'), `d-1: ${found.join(', ')}`);
        await page.locator('#prices-product').fill('');
      });
      await audit(page, log, 'prices', out);

      // -- the end
      await openSection(page, 'Recommendation preview', '#preview-personal-items');
      await check('"End session" forgets the session: the sections are empty and nothing they showed is left in the page', async () => {
        const shownBefore = await page.evaluate(() => ({
          preview: [...document.querySelectorAll('#preview-result li strong')].map((e) => e.textContent),
          insights: [...document.querySelectorAll('#insights-result tbody th')].map((e) => e.textContent),
        }));
        assert(shownBefore.preview.length && shownBefore.insights.length, 'nothing shown before the end');
        await page.getByRole('button', { name: 'End session' }).click();
        const title = await messageTitle(page);
        assert(title === 'Session ended', title);
        const text = await bodyText(page);
        const left = [REFUSER, ...shownBefore.preview, ...shownBefore.insights].filter((t) => text.includes(t));
        assert(left.length === 0, `still in the page: ${left.slice(0, 3).join(' | ')}`);
        const filled = await page.evaluate(() => ['insights-quote', 'insights-budget', 'insights-result', 'insights-asked', 'preview-result',
          'models-current', 'models-training', 'models-history', 'prices-body', 'session-line'].filter((id) => document.getElementById(id).childNodes.length));
        assert(filled.length === 0, `not emptied: ${filled.join(', ')}`);
        assert(await page.locator('#preview-id').inputValue() === '', 'the shopper id stays in its field');
        const requests = log.api.length;
        await page.goBack().catch(() => {});
        await page.goForward().catch(() => {});
        assert(await page.locator('#state-content').isHidden(), 'back and forward brought the console back');
        assert(log.api.length === requests, `requests after the end: ${log.api.slice(requests).join(', ')}`);
      });
      await audit(page, log, 'ended', out);
    } finally {
      await context.close();
    }
  }

  // ---- a session that runs out, and one the server stops accepting
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      const short = await mint(server, { role: 'merchandiser', ttl_seconds: 8 });
      await page.goto(`${server.base}${short.link}`);
      await visible(page, '#insights-quote-text');
      await check('a session that expires empties every section and says how to get a new link', async () => {
        await page.locator('#message-title', { hasText: 'Your session has ended' }).waitFor({ timeout: 15_000 });
        const text = await page.locator('#state-message').innerText();
        assert(/new merchandiser link/.test(text), text.slice(0, 200));
        const filled = await page.evaluate(() => ['insights-quote', 'insights-budget', 'insights-result', 'session-line']
          .filter((id) => document.getElementById(id).childNodes.length));
        assert(filled.length === 0, `not emptied: ${filled.join(', ')}`);
        assert(await page.locator('#state-content').isHidden(), 'the console is still shown');
      });
      await audit(page, log, 'expired', out);

      const refused = await mint(server);
      await page.goto(`${server.base}${refused.link}`);
      await visible(page, '#insights-quote-text');
      await page.route('**/v1/*/models', (route) => route.fulfill({
        status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unauthenticated', message: 'the token key was rotated' } }),
      }));
      await page.getByRole('link', { name: 'Models', exact: true }).click();
      await check('a session the server refuses (401) empties the console and says how to get a new link', async () => {
        const title = await messageTitle(page);
        assert(/no longer accepted/.test(title), title);
        assert(await page.locator('#state-content').isHidden(), 'the console is still shown');
        const filled = await page.evaluate(() => ['insights-quote', 'insights-budget', 'models-current', 'session-line']
          .filter((id) => document.getElementById(id).childNodes.length));
        assert(filled.length === 0, `not emptied: ${filled.join(', ')}`);
      });
      excuseRefusals(log, 401, /\/models$/);
      await audit(page, log, 'refused', out);
    } finally {
      await context.close();
    }
  }
}
