// The privacy center's checks: headers, the token's handling, each page
// state and each behaviour (docs/web.md, Browser tests).
import fs from 'node:fs';
import { CSP, REGION, assert, check, waitFor } from './lib/harness.mjs';
import { httpRequest, mintToken, mintExpiredToken, forge } from './lib/server.mjs';
import { openPage, auditState, visible, messageTitle, excuseRefusals } from './lib/browser.mjs';

// A product title of 1,000 characters with no place to break a line.
const LONG_TITLE = 'Unbroken'.repeat(125);

// The width of the page's content at a viewport of `width` px.
async function widthAt(page, width) {
  await page.setViewportSize({ width, height: 900 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize({ width: 1280, height: 900 });
  return wide;
}

// What the page shows of the shopper: masked ids, product titles, past
// decisions and the current ones.
const shownData = (page) => page.evaluate(() => {
  const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent.trim()).filter(Boolean);
  return {
    ids: texts('#hold .id-list .mono'), titles: texts('#recs-body .rec-title'),
    history: texts('#history-body li'), decisions: texts('#purpose-list .decision, #category-list .decision'),
  };
});

// The shopper's privacy center, /privacy/#st_... (docs/web.md).
export async function privacySuite(args, server, browser) {
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

  await check('a product recommended to fan-0 gets a 1,000-character title with no break in it', async () => {
    const recs = await server.api('GET', `/v1/${REGION}/customers/fan-0/recommendations?id_kind=customer`);
    const id = recs.json && recs.json.items && recs.json.items[0] && recs.json.items[0].product_id;
    assert(id, `no recommendation for fan-0: ${recs.body.slice(0, 120)}`);
    const r = await server.api('PUT', `/v1/${REGION}/products`, [{ id, title: LONG_TITLE, category: id[0], price: 2 }]);
    assert(r.status === 200 && r.json.upserted === 1, `PUT products: ${r.status} ${r.body}`);
    return id;
  });

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

      await check("the link's token, which the browser's history keeps, was exchanged for a session and opens nothing", async () => {
        const replay = await httpRequest(server.base, 'GET', `/v1/${REGION}/customers/fan-0/consent?id_kind=customer`,
          { headers: { Authorization: `Bearer ${fan0}` } });
        assert(replay.status === 401, `the link's token still works: ${replay.status}`);
        const again = await context.newPage();
        try {
          await again.goto(`${privacy}#${fan0}`);
          await visible(again, '#state-message');
          const words = await again.locator('#state-message').innerText();
          assert(/used already/.test(words) && !/fan-0|•••/.test(words), words.slice(0, 160));
        } finally {
          await again.close();
        }
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

      await check('loaded: each recommendation shows its product\'s title from the catalog', async () => {
        const r = await server.api('GET', `/v1/${REGION}/customers/fan-0/recommendations?id_kind=customer`);
        const titles = (r.json && r.json.items || []).map((item) => item.title);
        assert(titles.length > 0 && titles.every((t) => /^Product [a-d]-\d+$/.test(t || '') || t === LONG_TITLE),
          `the API answered no seeded titles: ${JSON.stringify(titles).slice(0, 120)}`);
        const shown = await page.locator('#recs-body li .rec-title').allInnerTexts();
        assert(shown.length > 0, 'no title shown');
        assert(shown.every((t) => titles.includes(t.trim())), `titles shown: ${shown.join(', ')}; the API's: ${titles.join(', ')}`);
        return shown[0];
      });

      await check('loaded: the 1,000-character unbroken title wraps, and the page fits 360 px', async () => {
        const shown = await page.locator('#recs-body li .rec-title').allInnerTexts();
        assert(shown.some((t) => t.trim() === LONG_TITLE), 'the long title is not shown');
        const wide = await widthAt(page, 360);
        assert(wide <= 360, `the page is ${wide} px wide at 360`);
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

  // ---- nothing held: a customer id the server has never seen (404s)
  {
    const { context, page, log } = await openPage(browser, server);
    try {
      const target = `/v1/${REGION}/customers/never-seen-1/consent?id_kind=customer`;
      const token = await mintToken(server, 'never-seen-1');
      await check('nothing held: the consent and summary 404s show that nothing is held, and the choices, all undecided', async () => {
        assert((await server.api('GET', target)).status === 404, 'the server holds a consent state for never-seen-1');
        await page.goto(`${privacy}#${token}`);
        await Promise.race([visible(page, '#state-content'), visible(page, '#state-message')]);
        assert(await page.locator('#state-content').isVisible(), `the page says: ${await page.locator('#state-message').innerText()}`);
        const text = await page.locator('#hold').innerText();
        assert(text.includes('We hold nothing about you'), text.slice(0, 120));
        const switches = page.locator('#purpose-list [role="switch"]');
        assert((await switches.count()) === 4, `${await switches.count()} purpose switches`);
        const decisions = await page.locator('#purpose-list .decision').allInnerTexts();
        assert(decisions.every((d) => /not decided yet/.test(d)), decisions.join(' | '));
        assert(await page.locator('#download').isHidden() && await page.locator('#erase').isHidden(), 'download or erase offered');
      });
      const excused = excuseRefusals(log, 404, /\/customers\/never-seen-1\/(consent|summary)$/);
      await check('nothing held: the two 404s are the page\'s only failed requests', async () => {
        assert(excused === 2 && log.failures.length === 0, `${excused} 404s excused; failures: ${JSON.stringify(log.failures)}`);
      });
      await auditState(page, log, 'nothing-held', out);
      await check('nothing held: Save records the refusals (creating the shopper), and opening the link again shows them', async () => {
        await page.getByRole('button', { name: 'Save my choices' }).click();
        await page.locator('#choices-status', { hasText: 'Saved' }).waitFor({ timeout: 15_000 });
        const consent = await server.api('GET', target);
        assert(consent.status === 200, `consent after Save: ${consent.status}`);
        const m = consent.json.purposes.marketing;
        assert(m.decision === 'denied' && m.source === 'privacy_center', `ledger: ${JSON.stringify(m)}`);
        await page.goto('about:blank');
        await page.goto(`${privacy}#${await mintToken(server, 'never-seen-1')}`);  // a link opens one session
        await visible(page, '#purpose-marketing-decision');
        const decision = await page.locator('#purpose-marketing-decision').innerText();
        assert(/You said no here, in your privacy center/.test(decision), decision);
        assert((await page.getByRole('switch', { name: 'Marketing messages' }).getAttribute('aria-checked')) === 'false', 'marketing on');
        assert(/Marketing messages: no/.test(await page.locator('#history-body').innerText()), 'no refusal in the history');
      });
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
      // A decision of fan-3's, so that the page lists one.
      const decided = await server.api('PUT', `/v1/${REGION}/customers/fan-3/consent?id_kind=customer`, { purposes: { analytics: true } });
      assert(decided.status === 200, `PUT consent of fan-3: ${decided.status} ${decided.body}`);
      await page.goto(`${privacy}#${await mintToken(server, 'fan-3')}`);
      await visible(page, '#state-content');
      await check('without GPC no badge shows and marketing can be switched', async () => {
        assert(await page.locator('#gpc-notice').isHidden(), 'badge shown');
        assert((await page.getByRole('switch', { name: 'Marketing messages' }).getAttribute('aria-disabled')) === null, 'marketing locked');
      });
      await visible(page, '#recs-body li');
      const shown = await shownData(page);
      await check('"End session" forgets the token: the data is gone and no request follows', async () => {
        const calls = [];
        page.on('request', (r) => calls.push(r.url()));
        await page.getByRole('button', { name: 'End session' }).click();
        assert((await messageTitle(page)) === 'Your session has ended', await page.locator('#message-title').textContent());
        assert(await page.locator('#state-content').isHidden(), 'the data is still shown');
        assert(calls.length === 0, `requested after ending: ${calls.length}`);
      });
      await check('after "End session" nothing of the shopper is left in the page, shown or hidden', async () => {
        const { ids, titles, history, decisions } = shown;
        assert(ids.length && titles.length && history.length && decisions.length,
          `the page showed ${ids.length} ids, ${titles.length} titles, ${history.length} decisions made, ${decisions.length} in force`);
        const left = await page.evaluate((all) => all.filter((t) => document.body.textContent.includes(t)), [...ids, ...titles, ...history, ...decisions]);
        assert(left.length === 0, `still in the page: ${left.slice(0, 3).join(' | ').slice(0, 200)}`);
        const filled = await page.evaluate(() => ['hold-body', 'recs-body', 'history-body', 'purpose-list', 'category-list']
          .filter((id) => document.getElementById(id).childNodes.length));
        assert(filled.length === 0, `not emptied: ${filled.join(', ')}`);
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
