#!/usr/bin/env node
// The browser tests of Confide's web pages: a real `confide serve` on a
// temporary data directory, Debian's Chromium driven by playwright-core
// (never a downloaded browser), axe-core for accessibility.
//
//   node web/tests/run.mjs --confide build/confide --out build/web-screenshots \
//     [--tamper build/audit_tamper] [--web-root web]
//
// One line per check, then "N passed, N failed"; exits 0 only if all
// passed. The server and the browser are stopped whatever happens.
//
//   lib/harness.mjs  arguments, constants, check/assert/waitFor
//   lib/server.mjs   the server, raw HTTP, shopper tokens
//   lib/seed.mjs     the catalog, shoppers and model
//   lib/browser.mjs  pages with their requests and errors recorded; the audit of a page state
//   privacy.mjs      the privacy center (/privacy/)
//   store.mjs        the store associate's page (/console/store/)
//   merch.mjs        the merchandiser's console (/console/merch/)
//   dpo.mjs          the data-protection officer's console (/console/dpo/)
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BUDGET_MS, CHROMIUM_ARGS, STARTED, check, parseArgs, results } from './lib/harness.mjs';
import { Server } from './lib/server.mjs';
import { seed } from './lib/seed.mjs';
import { privacySuite } from './privacy.mjs';
import { dpoPrepare, dpoSuite } from './dpo.mjs';
import { merchPrepare, merchSuite } from './merch.mjs';
import { storePrepare, storeSuite } from './store.mjs';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  args.confide = path.resolve(args.confide);
  if (args.tamper) args.tamper = path.resolve(args.tamper);
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
      const wanted = (suite) => !args.only || args.only === suite;
      let seeded = false;
      // The console's consent decisions go in while the model trains.
      await Promise.all([
        check('the shoppers are seeded through the API and the trained models personalize', async () => {
          const { events } = await seed(server);
          seeded = true;
          return `fan-0 has ${events} events`;
        }),
        wanted('dpo') ? check('the console\'s consent decisions are recorded through the API', () => dpoPrepare(server)) : null,
      ]);
      if (!seeded) return;
      // The staff pages' shoppers, stock and prices go in once the model is
      // trained, so that it is the one the other pages expect.
      await Promise.all([
        wanted('store') ? check('the store page\'s data is recorded through the API', () => storePrepare(server)) : null,
        wanted('merch') ? check('the merchandiser\'s shoppers, stock and prices are recorded through the API', () => merchPrepare(server)) : null,
      ]);
      let launched = false;
      await check('Debian\'s Chromium starts through playwright-core', async () => {
        browser = await chromium.launch({ executablePath: args.chromium, args: CHROMIUM_ARGS, timeout: 30_000 });
        launched = true;
        return browser.version();
      });
      if (!launched) return;
      // In this order: the privacy center erases fan-0 (which the DPO
      // console looks up); the merchandiser's "Train now" makes a new model
      // after the pages that show recommendations; the DPO console's
      // tampered audit log (a restart) comes last.
      if (wanted('privacy')) await privacySuite(args, server, browser);
      if (wanted('store')) await storeSuite(args, server, browser);
      if (wanted('merch')) await merchSuite(args, server, browser);
      if (wanted('dpo')) await dpoSuite(args, server, browser);
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
