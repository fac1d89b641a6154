// The suite's frame: its arguments, its constants, and checks that print
// one line each and are counted.
export const STARTED = Date.now();
export const BUDGET_MS = 300_000;  // the whole suite: five minutes at most (about 150 s on two idle cores)
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const WIDTHS = [360, 768, 1280];
export const SUITES = ['privacy', 'store', 'merch', 'dpo'];  // in the order they run
export const REGION = 'us';  // opt_out: shoppers are personalized until they refuse
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// What every HTML answer must carry (docs/web.md).
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

// ------------------------------------------------------------------ arguments

const USAGE = 'usage: node web/tests/run.mjs --confide PATH --out DIR [--tamper PATH] [--web-root DIR] [--chromium PATH] [--keep]\n' +
  '  [--only privacy|dpo|store|merch]   while editing: one page\'s checks (the DPO console\'s then miss the privacy center\'s erasure)';

export function parseArgs(argv) {
  const args = { confide: '', out: '', tamper: '', webRoot: '', chromium: '/usr/bin/chromium', keep: false, only: '' };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--confide') args.confide = value();
    else if (a === '--out') args.out = value();
    else if (a === '--tamper') args.tamper = value();
    else if (a === '--web-root') args.webRoot = value();
    else if (a === '--chromium') args.chromium = value();
    else if (a === '--keep') args.keep = true;
    else if (a === '--only') args.only = value();
    else usage(`unknown argument ${a}`);
  }
  if (!args.confide || !args.out) usage('--confide and --out are required');
  if (args.only && !SUITES.includes(args.only)) usage(`--only takes ${SUITES.join(', ')}`);
  return args;
}

function usage(problem) {
  console.error(`run.mjs: ${problem}\n${USAGE}`);
  process.exit(2);
}

// ------------------------------------------------------------------ checks

export const results = [];

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs one check and prints its line; a check's function may return a
// short detail to print.
export async function check(name, fn) {
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
export async function waitFor(what, fn, ms = 15_000) {
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
