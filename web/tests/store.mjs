// The store associate's page (/console/store/#sf_...) and the privacy
// center's counter code: an associate sees a shopper only through the code
// the shopper shows, at one store, for the code's fifteen minutes.
import { REGION, assert, check } from './lib/harness.mjs';
import { mintToken } from './lib/server.mjs';
import { openPage, auditState, visible, excuseRefusals, messageTitle, checkPageHeaders } from './lib/browser.mjs';

const STORE = 's1';
const OTHER_STORE = 's2';
const SHOPPER = 'fan-6';          // a seeded shopper the model personalizes (fan-0 and fan-4 are erased by the other suites)
const OTHER_SHOPPER = 'fan-7';    // codes for the short session and the wrong-code limit
const REFUSER = 'store-refuser';  // refused personalization
const FAR_PRODUCT = 'd-8';        // none at s1, some at s2, a store price at s1
const STORE_PRICE = 1.75;

const DAY = 86_400_000;
const ago = (days) => new Date(Date.now() - days * DAY).toISOString().replace(/\.\d+Z$/, 'Z');

// A second store 11 km north of s1 with the d- products, stock at s1 (the
// same as the merchandiser's suite puts there), a store price at s1; the
// personalized shopper's recent purchases (an item due again) and cart on
// the web and in the app; a shopper who refused personalization.
export async function storePrepare(server) {
  const put = async (route, body) => {
    const r = await server.api('PUT', `/v1/${REGION}/${route}`, body);
    assert(r.status === 200, `PUT ${route}: ${r.status} ${r.body.slice(0, 200)}`);
  };
  await put('stores', [{ id: OTHER_STORE, name: 'Two', latitude: 48.9, longitude: 2.3 }]);
  const stock = [];
  for (const category of ['a', 'b', 'c']) {
    for (let i = 0; i < 6; ++i) stock.push({ location: STORE, product_id: `${category}-${i}`, quantity: 5 });
  }
  stock.push({ location: STORE, product_id: 'd-6', quantity: 5 });
  for (let i = 0; i < 12; ++i) stock.push({ location: OTHER_STORE, product_id: `d-${i}`, quantity: 4 });
  await put('inventory', stock);
  await put('prices', [{ id: 'store-d8-s1', product_id: FAR_PRODUCT, store_id: STORE, channel: 'store', price: STORE_PRICE, starts: '2026-01-02T00:00:00Z' }]);

  const events = [];
  for (let week = 5; week >= 1; --week) {
    events.push({ event_id: `store-${SHOPPER}-${week}`, type: 'purchase', timestamp: ago(week * 7), customer_id: SHOPPER,
      channel: 'store', store_id: STORE, product_id: 'a-2', quantity: 2, unit_price: 2, currency: 'USD', order_id: `store-${SHOPPER}-o${week}` });
  }
  events.push({ event_id: `store-${SHOPPER}-cart-web`, type: 'add_to_cart', timestamp: ago(2), customer_id: SHOPPER, channel: 'web', product_id: 'b-4', quantity: 1 });
  events.push({ event_id: `store-${SHOPPER}-cart-app`, type: 'add_to_cart', timestamp: ago(1), customer_id: SHOPPER, channel: 'app', product_id: 'c-3', quantity: 2 });
  events.push({ event_id: `store-${REFUSER}-0`, type: 'purchase', timestamp: ago(3), customer_id: REFUSER, channel: 'store', store_id: STORE,
    product_id: 'a-0', quantity: 1, unit_price: 2, currency: 'USD', order_id: `store-${REFUSER}-o0` });
  events.push({ event_id: `store-${REFUSER}-cart`, type: 'add_to_cart', timestamp: ago(1), customer_id: REFUSER, channel: 'web', product_id: 'b-1', quantity: 1 });
  const r = await server.api('POST', `/v1/${REGION}/events`, events);
  assert(r.status === 200 && r.json && (r.json.accepted + (r.json.duplicates || 0)) === events.length, `POST events: ${r.status} ${r.body.slice(0, 200)}`);
  const refused = await server.api('PUT', `/v1/${REGION}/customers/${REFUSER}/consent?id_kind=customer`, { purposes: { personalization: false } });
  assert(refused.status === 200, `PUT consent of ${REFUSER}: ${refused.status} ${refused.body}`);
  return `store ${OTHER_STORE}, stock at ${STORE} and ${OTHER_STORE}, ${events.length} events, ${REFUSER} refused personalization`;
}

// ------------------------------------------------------------------ helpers

const audit = (page, log, state, out, options = {}) => auditState(page, log, state, out, { prefix: 'store', ...options });

// A staff link: {token, link, expires_at}.
async function mint(server, body = { role: 'associate', store_id: STORE }, region = REGION) {
  const r = await server.api('POST', `/v1/${region}/staff/sessions`, body);
  assert(r.status === 201 && r.json && r.json.token && r.json.link, `POST staff/sessions: ${r.status} ${r.body.slice(0, 200)}`);
  return r.json;
}

// A code for `customer` minted with the admin key (as the privacy center does with the shopper's token).
async function adminCode(server, customer) {
  const r = await server.api('POST', `/v1/${REGION}/customers/${customer}/counter-code?id_kind=customer`);
  assert(r.status === 201 && r.json && /^[0-9A-Z]{6}$/.test(r.json.code || ''), `POST counter-code: ${r.status} ${r.body.slice(0, 200)}`);
  return r.json;
}

// The counter page opened from a fresh link of `store`: {context, page, log}.
async function openCounter(browser, server, body, { clock = false } = {}) {
  const opened = await openPage(browser, server);
  if (clock) await opened.page.clock.install();
  const minted = await mint(server, body);
  await opened.page.goto(`${server.base}${minted.link}`);
  await visible(opened.page, '#state-content');
  return { ...opened, minted };
}

// Types `text` into the code field and waits until the page has answered:
// the shopper's page, or a problem.
async function typeCode(page, text) {
  await page.locator('#code-input').fill(text);
  await page.locator('#code-submit').click();
  await page.waitForFunction(() => !/^Opening/.test(document.getElementById('shopper-status').textContent)
    && (!document.getElementById('view').hidden || !document.getElementById('code-problem').hidden), null, { timeout: 15_000 });
}

// A product's title as the catalog holds it now (the privacy center's suite
// renames one to a 1,000-character title).
async function titleOf(server, id) {
  const r = await server.api('GET', `/v1/${REGION}/products/${id}`);
  assert(r.status === 200 && r.json && typeof r.json.title === 'string', `GET products/${id}: ${r.status}`);
  return r.json.title;
}

const problem = async (page) => (await page.locator('#code-problem').isVisible()) ? (await page.locator('#code-problem').innerText()).trim() : '';
const text = (page, selector) => page.locator(selector).innerText();
const domText = (page) => page.evaluate(() => document.body.textContent);

// The ids of elements among `ids` that still have children.
const filled = (page, ids) => page.evaluate((list) => list.filter((id) => document.getElementById(id).childNodes.length), ids);

const VIEW_PARTS = ['view-title', 'view-time', 'view-consent', 'view-recs', 'view-replenishment', 'view-cart'];

// ------------------------------------------------------------------ the suite

export async function storeSuite(args, server, browser) {
  const out = args.out;
  const url = `${server.base}/console/store/`;

  await check('GET /console/store/ carries the CSP and the other security headers, no inline code, hashed assets',
    () => checkPageHeaders(server, '/console/store/', 'store\\.js', 'counter\\.css'));

  await check('an associate\'s session reads no shopper without a code: recommendations, cart, consent, profile, a code of its own all 403', async () => {
    const { token } = await mint(server);
    const opened = await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`);
    assert(opened.status === 200 && opened.json?.token, `open: ${opened.status} ${opened.body.slice(0, 200)}`);
    const session = opened.json.token;
    const statuses = [];
    for (const [method, suffix] of [['GET', 'recommendations'], ['GET', 'cart'], ['GET', 'replenishment'], ['GET', 'consent'],
      ['GET', 'profile'], ['POST', 'counter-code']]) {
      const r = await server.apiAs(session, method, `/v1/${REGION}/customers/${SHOPPER}/${suffix}?id_kind=customer`);
      assert(r.status === 403, `${method} customers/${SHOPPER}/${suffix}: ${r.status} ${r.body.slice(0, 160)}`);
      statuses.push(r.status);
    }
    const mints = await server.apiAs(session, 'POST', `/v1/${REGION}/staff/sessions`, { role: 'associate', store_id: STORE });
    assert(mints.status === 403, `the session minted a session: ${mints.status}`);
    return statuses.join(', ');
  });

  await check('an associate\'s session reaches its own store and region only: store_id=s2 403, eu 403/404, the link token once', async () => {
    const { token } = await mint(server);
    const session = (await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`)).json.token;
    const again = await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`);
    assert(again.status === 401, `the link's token opened a second session: ${again.status}`);
    const own = await server.apiAs(session, 'GET', `/v1/${REGION}/products/${FAR_PRODUCT}/availability`);
    assert(own.status === 200 && own.json?.store?.store_id === STORE, `availability here: ${own.status} ${own.body.slice(0, 160)}`);
    const other = await server.apiAs(session, 'GET', `/v1/${REGION}/products/${FAR_PRODUCT}/availability?store_id=${OTHER_STORE}`);
    assert(other.status === 403 && other.json?.error?.field === 'store_id', `availability at ${OTHER_STORE}: ${other.status} ${other.body.slice(0, 160)}`);
    const price = await server.apiAs(session, 'GET', `/v1/${REGION}/products/${FAR_PRODUCT}/price?channel=store&store_id=${OTHER_STORE}`);
    assert(price.status === 403, `price at ${OTHER_STORE}: ${price.status}`);
    const region = await server.apiAs(session, 'GET', `/v1/eu/products/search?q=a`);
    assert(region.status === 403 || region.status === 404, `eu: ${region.status} ${region.body.slice(0, 160)}`);
    return `${OTHER_STORE} ${other.status}, eu ${region.status}, link reused ${again.status}`;
  });

  // A staff token of 1 s, asked again 2 s later (checked below, while other checks run).
  const lapsed = (async () => {
    const { token } = await mint(server, { role: 'associate', store_id: STORE, ttl_seconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const r = await server.apiAs(token, 'GET', `/v1/${REGION}/stores/${STORE}`);
    const open = await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`);
    return { read: r, open };
  })();
  lapsed.catch(() => {});

  await check('more than 10 wrong codes in a session: 429, and then even a right code is refused', async () => {
    const { token } = await mint(server);
    const session = (await server.apiAs(token, 'POST', `/v1/${REGION}/staff/sessions/open`)).json.token;
    const statuses = [];
    for (let i = 0; i < 11; ++i) {
      const r = await server.apiAs(session, 'POST', `/v1/${REGION}/counter/views`, { code: `ZZZZZ${'ABCDEFGHJKM'[i]}` });
      statuses.push(r.status);
    }
    assert(statuses.slice(0, 10).every((s) => s === 404) && statuses[10] === 429, statuses.join(', '));
    const right = await adminCode(server, OTHER_SHOPPER);
    const r = await server.apiAs(session, 'POST', `/v1/${REGION}/counter/views`, { code: right.code });
    assert(r.status === 429, `a right code after 429: ${r.status}`);
  });

  await check('a staff token minted for 1 s is refused (401) 2 s later', async () => {
    const { read, open } = await lapsed;
    assert(read.status === 401, `${read.status} ${read.body.slice(0, 160)}`);
    assert(open.status === 401, `open: ${open.status}`);
    return read.json?.error?.message;
  });

  // ---- no link, a merchandiser's link
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      await page.goto(url);
      await check('no link: the page says to open it from a store link and asks the API nothing', async () => {
        const title = await messageTitle(page);
        assert(/store link/.test(title), title);
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
      });
      await audit(page, log, 'no-link', out);
      const merch = await mint(server, { role: 'merchandiser' });
      await page.goto(`${server.base}${merch.link.replace('/console/merch/', '/console/store/')}`);
      await page.locator('#message-title', { hasText: 'another page' }).waitFor({ timeout: 15_000 });
      await check('a merchandiser\'s link in this page: "for another page", nothing asked, the token out of the address', async () => {
        assert(log.api.length === 0, `requested: ${log.api.join(', ')}`);
        assert(!page.url().includes('sf_'), 'the token is still in the address');
      });
    } finally {
      await context.close();
    }
  }

  // A session of 8 s, opened now with a shopper's page on it, checked at the end.
  const short = await openCounter(browser, server, { role: 'associate', store_id: STORE, ttl_seconds: 8 });
  const shortCode = await adminCode(server, OTHER_SHOPPER);
  await typeCode(short.page, shortCode.code);
  const shortViewed = await short.page.locator('#view').isVisible();

  // ---- the shopper's code, from the privacy center to the counter
  const shopperSide = await openPage(browser, server);
  // The counter of s1, for an hour (longer than a code), on a clock the test can move.
  const counter = await openCounter(browser, server, { role: 'associate', store_id: STORE, ttl_seconds: 3600 }, { clock: true });
  const other = await openCounter(browser, server, { role: 'associate', store_id: OTHER_STORE });
  try {
    const { page, log } = counter;
    await check('the link opens the page: the token is gone from the address, history, DOM, storage and cookies', async () => {
      assert(page.url() === url, `address bar: ${page.url().replace(/sf_[^#&]*/, 'sf_…')}`);
      const inPage = await page.evaluate(async () => ({
        local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
        historyLength: history.length, html: document.documentElement.outerHTML.includes('sf_'),
        databases: indexedDB.databases ? (await indexedDB.databases()).length : 0,
      }));
      assert(inPage.local === 0 && inPage.session === 0, `storage holds ${inPage.local + inPage.session} items`);
      assert(inPage.cookie === '' && (await counter.context.cookies()).length === 0, 'a cookie was set');
      assert(inPage.databases === 0, 'an IndexedDB database was made');
      assert(!inPage.html, 'the token is in the DOM');
      assert(inPage.historyLength === 2, `history has ${inPage.historyLength} entries`);
      assert(log.api[0] === `POST /v1/${REGION}/staff/sessions/open`, `first request: ${log.api[0]}`);
    });

    await check('ready: the page names the store and the session\'s time left, with "End session", and nothing personal', async () => {
      const line = await text(page, '#session-line');
      assert(line.includes(`One (${STORE})`) && /ends in (59|60) minutes/.test(line), `session line: ${line}`);
      assert((await text(page, '#store-line')).includes(`One (${STORE})`), 'the store is not named');
      assert(await page.getByRole('button', { name: 'End session' }).isVisible(), 'no End session button');
      assert(await page.locator('#view').isHidden(), 'a shopper\'s page is shown without a code');
      assert(log.api.every((r) => !r.includes('/customers/') && !r.includes('/counter/')), `requested: ${log.api.join(', ')}`);
    });
    await audit(page, log, 'ready', out);

    // The shopper makes a code in their privacy center.
    const shopper = shopperSide.page;
    await shopper.goto(`${server.base}/privacy/#${await mintToken(server, SHOPPER)}`);
    await visible(shopper, '#state-content');
    await shopper.getByRole('button', { name: 'Show a code at the counter' }).click();
    await visible(shopper, '#counter-code');
    let code = '';
    await check('privacy center: "Show a code at the counter" shows six characters, the time left and the QR text', async () => {
      code = (await shopper.locator('#counter-code .code').textContent()).trim();
      assert(/^[2-9A-HJKMNP-Z]{6}$/.test(code), `code: ${code}`);
      const qr = (await shopper.locator('#counter-qr').textContent()).trim();
      assert(qr === `confide-counter:${REGION}:${code}`, `QR text: ${qr}`);
      const time = await shopper.locator('#counter-time').innerText();
      assert(/1[45] more minutes/.test(time), time);
      assert(shopperSide.log.api.includes(`POST /v1/${REGION}/customers/${SHOPPER}/counter-code`), `requests: ${shopperSide.log.api.join(', ')}`);
      const big = await shopper.locator('#counter-code .code span').first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
      assert(big >= 30, `the code's characters are ${big} px`);
      return code;
    });
    await auditState(shopper, shopperSide.log, 'counter-code', out);

    // The associate types it, in lower case with a space and a dash.
    await typeCode(page, `${code.slice(0, 3).toLowerCase()} - ${code.slice(3).toLowerCase()}`);
    await check('the code typed at the counter opens the shopper\'s page: masked id, consent in words, the time left', async () => {
      assert(await page.locator('#view').isVisible(), `no view: ${await problem(page)}`);
      const title = await text(page, '#view-title');
      assert(title.includes('•••') && !title.includes(SHOPPER), `title: ${title}`);
      const consent = await text(page, '#view-consent');
      assert(/Personal recommendations[^\n]*Allowed/.test(consent), consent);
      assert(/1[45] minutes more/.test(await text(page, '#view-time')), await text(page, '#view-time'));
      assert(await page.locator('#code-input').inputValue() === '', 'the code stays in its field');
      assert(!(await domText(page)).includes(code), 'the code is shown on the counter page');
    });

    await check('its recommendations are personalized, for channel store at s1, as the API lists them', async () => {
      const why = await text(page, '#view-recs-why');
      assert(/from their history/.test(why), why);
      const api = await server.api('GET', `/v1/${REGION}/customers/${SHOPPER}/recommendations?id_kind=customer&channel=store&store_id=${STORE}&k=8`);
      assert(api.json?.personalized === true, `the API's list is not personalized: ${api.body.slice(0, 160)}`);
      const titles = api.json.items.map((i) => i.title);
      const shown = (await page.locator('#view-recs .rec-title').allInnerTexts()).map((t) => t.trim());
      assert(shown.length > 0 && JSON.stringify(shown) === JSON.stringify(titles), `shown ${shown.join(', ')}; API ${titles.join(', ')}`);
      const reasons = await page.locator('#view-recs .why').allInnerTexts();
      assert(reasons.every((r) => !/_/.test(r)), `a reason is not in words: ${reasons[0]}`);
      return shown.slice(0, 3).join(', ');
    });

    await check('replenishment due and the cart across channels are shown, in words', async () => {
      const due = await text(page, '#view-replenishment');
      assert(due.includes(await titleOf(server, 'a-2')) && /(Due|Overdue since) /.test(due), due.slice(0, 300));
      const cart = await text(page, '#view-cart');
      for (const words of [await titleOf(server, 'b-4'), 'on the website', await titleOf(server, 'c-3'), 'in the app', '6.00 USD']) {
        assert(cart.includes(words), `"${words.slice(0, 40)}" missing: ${cart.slice(0, 300)}`);
      }
    });

    await check('each view is audited: a profile_read "counter" record of store s1', async () => {
      const r = await server.api('GET', `/v1/${REGION}/audit?order=desc&action=profile_read&limit=50`);
      const entry = (r.json?.entries || []).find((e) => /counter/.test(e.details) && /role=associate/.test(e.details) && /store=s1\b/.test(e.details));
      assert(entry, `no counter record: ${r.body.slice(0, 200)}`);
      return entry.details;
    });
    await audit(page, log, 'shopper', out);

    await check('"Done with this shopper" forgets the shopper\'s page: nothing of it is left in the DOM', async () => {
      const before = (await page.locator('#view-recs .rec-title').allInnerTexts()).concat(await page.locator('#view-cart .rec-title').allInnerTexts());
      const masked = (await text(page, '#view-title')).replace(/^Shopper /, '').replace(/ \(.*\)$/, '');
      await page.getByRole('button', { name: 'Done with this shopper' }).click();
      await page.locator('#shopper-status', { hasText: 'Done' }).waitFor({ timeout: 15_000 });
      assert(await page.locator('#view').isHidden(), 'the view is still shown');
      assert((await filled(page, VIEW_PARTS)).length === 0, 'the view is not emptied');
      const dom = await domText(page);
      const left = [masked, ...before].filter((t) => dom.includes(t));
      assert(left.length === 0, `still in the page: ${left.join(' | ')}`);
      assert(await page.evaluate(() => document.activeElement.id) === 'code-input', 'the code field does not have focus');
    });
    await audit(page, log, 'done', out);

    // The same code at another store.
    await typeCode(other.page, code);
    await check('the same code at another store\'s counter is refused, in words (403 naming code)', async () => {
      const said = await problem(other.page);
      assert(/opened at another store/.test(said), said || 'no problem shown');
      assert(await other.page.locator('#view').isHidden(), 'the shopper\'s page is shown');
      assert(other.log.failures.some((f) => f.status === 403 && /counter\/views$/.test(f.path)), 'no 403 from counter/views');
    });
    excuseRefusals(other.log, 403, /\/counter\/views$/);
    await audit(other.page, other.log, 'other-store', out);

    await check('after 10 wrong codes the page says the session may try no more (429)', async () => {
      for (let i = 0; i < 12 && !/Too many wrong codes/.test(await problem(other.page)); ++i) {
        await typeCode(other.page, `ZZZZZ${'ABCDEFGHJKMN'[i]}`);
      }
      const said = await problem(other.page);
      assert(/Too many wrong codes/.test(said) && /new store link/.test(said), said);
      assert(await other.page.locator('#code-submit').isDisabled(), 'the page still offers to send codes');
    });
    excuseRefusals(other.log, 404, /\/counter\/views$/);
    excuseRefusals(other.log, 429, /\/counter\/views$/);
    await audit(other.page, other.log, 'too-many', out);

    await check('privacy center: "End session" forgets the code', async () => {
      await shopper.getByRole('button', { name: 'End session' }).click();
      await visible(shopper, '#state-message');
      assert((await filled(shopper, ['counter-body'])).length === 0, 'the code\'s box is not emptied');
      assert(!(await domText(shopper)).includes(code), 'the code is still in the page');
      assert(await shopper.locator('#counter').isHidden(), 'the section is still shown');
    });

    // A wrong code at s1: a shape the page refuses itself, then one the server does not know.
    await check('a code of the wrong shape is refused by the page without asking the server', async () => {
      const before = log.api.length;
      await typeCode(page, '12345');
      const said = await problem(page);
      assert(/six characters/.test(said), said);
      assert(log.api.length === before, `requested: ${log.api.slice(before).join(', ')}`);
      assert(await page.locator('#code-input').getAttribute('aria-invalid') === 'true', 'the field is not marked invalid');
      await typeCode(page, `confide-counter:eu:${code}`);
      assert(/region “eu”/.test(await problem(page)), await problem(page));
      assert(log.api.length === before, `requested: ${log.api.slice(before).join(', ')}`);
    });
    await typeCode(page, 'ZZZZZZ');
    await check('a wrong code shows the error in words (404), and nothing personal', async () => {
      const said = await problem(page);
      assert(/No code ZZZZZZ is open/.test(said), said);
      assert(await page.locator('#view').isHidden(), 'a view is shown');
    });
    excuseRefusals(log, 404, /\/counter\/views$/);
    await audit(page, log, 'wrong-code', out);

    // A shopper who refused personalization, by the QR text.
    const refuser = await adminCode(server, REFUSER);
    await typeCode(page, refuser.qr_text);
    await check('a shopper who refused personalization: the store\'s best sellers, with the no-grant words; no cart, no replenishment', async () => {
      assert(await page.locator('#view').isVisible(), `no view: ${await problem(page)}`);
      const why = await text(page, '#view-recs-why');
      assert(/not allowed personal recommendations/.test(why) && /best sellers/.test(why), why);
      const consent = await text(page, '#view-consent');
      assert(/Personal recommendations[^\n]*Not allowed: they said no/.test(consent), consent);
      for (const id of ['#view-replenishment', '#view-cart']) assert(/Not shown/.test(await text(page, id)), `${id}: ${await text(page, id)}`);
      const reasons = await page.locator('#view-recs .why').allInnerTexts();
      assert(reasons.filter((r) => r.startsWith('Why:')).every((r) => /none of their data used/.test(r)), `a personal reason: ${reasons.join(' | ')}`);
      const api = await server.api('GET', `/v1/${REGION}/customers/${REFUSER}/recommendations?id_kind=customer&channel=store&store_id=${STORE}&k=8`);
      assert(api.json?.personalized === false && api.json?.why_not_personalized === 'no_grant', api.body.slice(0, 160));
    });
    await audit(page, log, 'no-grant', out);

    // Availability and the store price.
    await page.locator('#search-input').fill(FAR_PRODUCT);
    await page.locator('#search-form button[type="submit"]').click();
    await page.locator(`#search-results button[data-product="${FAR_PRODUCT}"]`).click();
    await visible(page, '#product-here');
    await check(`availability of ${FAR_PRODUCT}: none here, ${OTHER_STORE} 11.1 km away, online, pick-up, substitutes by title, the store price`, async () => {
      const api = await server.api('GET', `/v1/${REGION}/products/${FAR_PRODUCT}/availability?store_id=${STORE}`);
      assert(api.status === 200 && api.json.store.quantity === 0 && api.json.nearest[0]?.store_id === OTHER_STORE, api.body.slice(0, 200));
      assert((await text(page, '#product-here')) === 'none', await text(page, '#product-here'));
      const nearest = await text(page, '#product-nearest');
      assert(nearest.includes(`Two (${OTHER_STORE}): 4 in stock, 11.1 km away`), nearest);
      assert(/^9 in stock, delivered/.test(await text(page, '#product-online')), await text(page, '#product-online'));
      assert((await text(page, '#product-pickup')).includes(`Two (${OTHER_STORE})`), await text(page, '#product-pickup'));
      const body = await text(page, '#product-body');
      assert(body.includes(STORE_PRICE.toFixed(2)) && /List price\s+2\.00/.test(body), body.slice(0, 300));
      const ids = api.json.substitutes.map((s) => s.product_id);
      const want = await Promise.all(ids.map((id) => titleOf(server, id)));
      const titles = (await page.locator('#product-substitutes .result-title').allInnerTexts()).map((t) => t.trim());
      assert(JSON.stringify(titles) === JSON.stringify(want), `shown ${titles.join(', ').slice(0, 200)}; API ${ids.join(', ')}`);
      return `${ids.length} substitutes`;
    });
    await audit(page, log, 'availability', out);

    await check('a search by title lists the products whose title holds it, as the API does', async () => {
      await page.locator('#search-input').fill('roduct d-1');
      await page.locator('#search-form button[type="submit"]').click();
      await page.locator('#search-status', { hasText: 'roduct d-1' }).waitFor({ timeout: 15_000 });
      const shown = await page.locator('#search-results button').evaluateAll((bs) => bs.map((b) => b.dataset.product));
      const api = await server.api('GET', `/v1/${REGION}/products/search?q=${encodeURIComponent('roduct d-1')}`);
      const ids = api.json.products.map((p) => p.id);
      assert(ids.length > 0 && JSON.stringify(shown) === JSON.stringify(ids), `shown ${shown.join(', ')}; API ${ids.join(', ')}`);
    });

    await check('the shopper\'s page closes by itself when the code\'s fifteen minutes are over (the session lasts on)', async () => {
      assert(await page.locator('#view').isVisible(), 'no view open');
      await page.clock.fastForward('15:30');
      await page.locator('#shopper-status', { hasText: 'run out' }).waitFor({ timeout: 15_000 });
      assert(await page.locator('#view').isHidden(), 'the view is still shown');
      assert((await filled(page, VIEW_PARTS)).length === 0, 'the view is not emptied');
      assert(await page.locator('#state-content').isVisible(), 'the session ended too');
      assert(/ends in 4[45] minutes/.test(await text(page, '#session-line')), await text(page, '#session-line'));
    });

    await check('"End session" forgets everything: no shopper, search or product left, no request after', async () => {
      const shownBefore = await page.evaluate(() => [...document.querySelectorAll('#search-results .result-title, #view .rec-title, #view-title .mono')]
        .map((e) => e.textContent).filter(Boolean));
      assert(shownBefore.length > 0, 'nothing shown before the end');
      await page.getByRole('button', { name: 'End session' }).click();
      const title = await messageTitle(page);
      assert(title === 'Session ended', title);
      const dom = await domText(page);
      const left = [...new Set(shownBefore)].filter((t) => dom.includes(t));
      assert(left.length === 0, `still in the page: ${left.slice(0, 3).join(' | ')}`);
      const full = await filled(page, [...VIEW_PARTS, 'search-results', 'product-title', 'product-body', 'session-line', 'store-line']);
      assert(full.length === 0, `not emptied: ${full.join(', ')}`);
      assert(await page.locator('#search-input').inputValue() === '' && await page.locator('#code-input').inputValue() === '', 'a field keeps its value');
      const requests = log.api.length;
      await page.goBack().catch(() => {});
      await page.goForward().catch(() => {});
      assert(await page.locator('#state-content').isHidden(), 'back and forward brought the page back');
      assert(log.api.length === requests, `requests after the end: ${log.api.slice(requests).join(', ')}`);
    });
    await audit(page, log, 'ended', out);
  } finally {
    await shopperSide.context.close();
    await counter.context.close();
    await other.context.close();
  }

  // ---- the 8 s session opened above, with a shopper's page on it
  try {
    await check('a session that runs out closes the shopper\'s page and shows the session-ended state', async () => {
      assert(shortViewed, `the code did not open the shopper's page: ${await problem(short.page)}`);
      await short.page.locator('#message-title', { hasText: 'Your session has ended' }).waitFor({ timeout: 15_000 });
      const said = await short.page.locator('#state-message').innerText();
      assert(/new store link/.test(said), said.slice(0, 200));
      assert((await filled(short.page, [...VIEW_PARTS, 'session-line', 'store-line'])).length === 0, 'not emptied');
      assert(!(await domText(short.page)).includes('•••'), 'the masked id is still in the page');
      assert(await short.page.locator('#state-content').isHidden(), 'the page is still shown');
    });
    await audit(short.page, short.log, 'expired', out);
  } finally {
    await short.context.close();
  }
}
