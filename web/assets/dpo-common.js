// What the console's sections share: the session (the API key, in this
// module's memory only), requests with it, words for the API's names, and
// the confirmation dialog.
import { h, append, replace, byId } from '/assets/dom.js';
import { ApiError, request, regionPath } from '/assets/api.js';

// The one piece of state. Nothing of it persists: reloading or closing the
// tab forgets the key.
export const session = {
  key: null,        // the API key, as typed into the form
  keyId: '',
  scopes: [],
  regions: [],      // the hosted regions the key reaches
  region: '',       // the one shown
  generation: 0,    // moves on every change of key or region: late answers are dropped
  urls: new Set(),  // object URLs of downloads not revoked yet
};

let refused = () => {};

// What to do when the server stops accepting the key (a 401).
export function onKeyRefused(handler) {
  refused = handler;
}

// A request for the shown region with the session's key:
// call('GET', '/audit', undefined, {order: 'desc'}). A 401 ends the session.
export async function call(method, suffix, body, query) {
  const key = session.key;
  if (!key) throw new ApiError(401, 'unauthenticated', 'the key was forgotten');
  try {
    return await request(key, method, regionPath(session.region, suffix, query), body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && session.key === key) refused();
    throw error;
  }
}

// Whether an answer asked for at `generation` may still be shown.
export function current(generation) {
  return session.key !== null && session.generation === generation;
}

// ---------------------------------------------------------------- words

// (A soft hyphen lets the long word break in a narrow table.)
export const PURPOSES = {
  personalization: 'Personal\u00ADization',
  marketing: 'Marketing',
  analytics: 'Analytics',
  model_improvement: 'Model improvement',
};

export const PURPOSE_HINTS = {
  personalization: 'personal recommendations',
  marketing: 'offers and messages',
  analytics: 'shop statistics',
  model_improvement: 'training the suggestion system',
};

export const SOURCES = {
  api: 'the shop\'s website or app',
  tcf: 'cookie banner (TCF)',
  gpc: 'Global Privacy Control',
  store_kiosk: 'store kiosk',
  import: 'imported records',
  privacy_center: 'privacy center',
  kept_through_erasure: 'kept through an erasure',
  link: 'devices joined',
  link_confirmed: 'devices joined, confirmed at sign-in',
  other: 'other sources',  // the sources too small to show alone, summed
};

export const ACTIONS = {
  consent_change: 'Consent change',
  export: 'Export',
  erasure: 'Erasure',
  profile_read: 'Profile read',
  key_operation: 'Key operation',
  model_training: 'Model training',
  analytics_query: 'Analytics query',
  config_change: 'Configuration change',
  retention: 'Retention run',
};

export const CATEGORIES = {
  browsing: 'Browsing (views, searches, carts)',
  purchases: 'Purchases',
  location: 'Store visits',
};

export function words(table, key) {
  return Object.hasOwn(table, key) ? table[key] : String(key || 'unknown');
}

// The audit log's actors that are not API keys (docs/api.md, Audit).
const ACTORS = {
  '': 'the server',
  shopper: 'the shopper, in the privacy center',
  cli: 'the command line (confide)',
  config: 'the server, starting with a changed configuration',
  scheduler: 'the server\'s scheduled jobs',
  'erasure-rekey': 'the server, rotating the key after an erasure',
  '(before a restore)': 'unknown: recorded before a restore',
};

// Who made an audited request.
export function whoWords(keyId) {
  const id = String(keyId ?? '');
  return Object.hasOwn(ACTORS, id) ? ACTORS[id] : `API key ${id}`;
}

// Whether a customer id can be part of an address's path: a browser
// resolves "." and ".." segments, even percent-encoded, before sending.
export function addressable(id) {
  return id !== '.' && id !== '..';
}

export const UNADDRESSABLE = 'This id cannot be used in an address; a browser rewrites “.” and “..” in a web address, so the console cannot ask about them (and the server no longer accepts them as ids). Use the command line (confide dsar, confide audit) for such an id.';

const DETAIL_WORDS = {
  events: (n) => `${Number(n).toLocaleString('en')} activity record${n === '1' ? '' : 's'} deleted`,
  keys: (n) => `${Number(n).toLocaleString('en')} data key${n === '1' ? '' : 's'} destroyed`,
  token: (id) => `in a privacy-center session (token ${id})`,
};

// An audit record's details in words: "events=12,keys=1" -> "12 activity
// records deleted, 1 data key destroyed (events=12,keys=1)".
export function detailsWords(details) {
  const text = String(details || '');
  if (!text) return 'no details recorded';
  if (text === 'nothing held') return 'nothing was held';
  const pairs = text.split(',').map((part) => /^([a-z_]+)=(.*)$/.exec(part));
  if (pairs.every((m) => m && DETAIL_WORDS[m[1]])) return `${pairs.map((m) => DETAIL_WORDS[m[1]](m[2])).join(', ')} (${text})`;
  return text;
}

// A count, or the words for one withheld below `min`.
export function countWords(n, min) {
  return n === null || n === undefined ? `fewer than ${min}` : Number(n).toLocaleString('en');
}

// "2026-12-04T13:55:25Z" as a <time>: "2026-12-04 13:55:25 UTC".
export function timeOf(iso) {
  if (!iso) return h('span', {}, 'never');
  const text = String(iso).replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
  return h('time', { datetime: iso }, text);
}

export function shortHash(hex) {
  const text = String(hex || '');
  return text.length > 12 ? `${text.slice(0, 12)}…` : text;
}

// A failed request in words; the server's own message where it has one.
export function failureWords(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong on this page. Reload it and try again.';
  const said = error.message && error.code ? ` The server said: “${error.message}”.` : '';
  switch (error.status) {
    case 0: return 'The server could not be reached. Check the connection and try again.';
    case 401: return 'This key was not accepted.';
    case 403: return `This key may not do this.${said}`;
    case 404: return `Not found.${said}`;
    case 429:
    case 503: return `The server is busy: try again in ${error.retryAfter || 'a few'} seconds.${said}`;
    default: return `The server answered ${error.status}.${said}`;
  }
}

// Sets a section's status line (a role="status" region).
export function status(id, text) {
  byId(id).textContent = text;
}

// ---------------------------------------------------------------- downloads

// Saves `doc` as a JSON file through an object URL, revoked a minute later
// or when the key is forgotten.
export function downloadJson(doc, filename) {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  session.urls.add(url);
  const link = h('a', { href: url, download: filename, hidden: true }, 'download');
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => revoke(url), 60_000);
}

function revoke(url) {
  if (session.urls.delete(url)) URL.revokeObjectURL(url);
}

export function revokeDownloads() {
  for (const url of [...session.urls]) revoke(url);
}

// A customer id as part of a file name.
export function fileSafe(text) {
  return String(text).replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 64) || 'shopper';
}

// ---------------------------------------------------------------- the dialog

let settle = null;     // resolves the open dialog's promise
let opener = null;     // the control that opened it, focused again after

// A confirmation: resolves true for Confirm, false for Cancel or Escape.
// Focus moves to Cancel, the safe choice, and back to the opener after.
export function confirmAction({ title, paragraphs, confirm, danger = false }) {
  const dialog = byId('confirm-dialog');
  if (settle) settle(false);
  replace(byId('confirm-title'), title);
  replace(byId('confirm-text'), paragraphs.map((p) => (p instanceof Node ? p : h('p', {}, p))));
  const yes = byId('confirm-yes');
  yes.textContent = confirm;
  yes.className = danger ? 'danger' : '';
  opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  return new Promise((resolve) => {
    settle = (answer) => {
      settle = null;
      resolve(answer);
    };
    if (!dialog.open) dialog.showModal();
    byId('confirm-no').focus();
  });
}

function closeDialog(answer) {
  const dialog = byId('confirm-dialog');
  if (dialog.open) dialog.close();
  const resolve = settle;
  if (resolve) resolve(answer);
  if (opener && opener.isConnected && !opener.closest('[hidden]')) opener.focus();
  opener = null;
}

export function closeConfirm() {
  closeDialog(false);
}

// Closes the dialog and empties it (it may name a shopper).
export function clearConfirm() {
  closeDialog(false);
  replace(byId('confirm-title'), 'Are you sure?');
  replace(byId('confirm-text'));
  byId('confirm-yes').textContent = 'Confirm';
}

export function initDialog() {
  byId('confirm-yes').addEventListener('click', () => closeDialog(true));
  byId('confirm-no').addEventListener('click', () => closeDialog(false));
  // Escape: the browser closes the dialog; the answer is no.
  byId('confirm-dialog').addEventListener('close', () => {
    if (settle) closeDialog(false);
  });
}

// One line of "Label: value" pairs (null ones left out), for a record.
export function recordMeta(pairs) {
  const line = h('p', { class: 'record-meta' });
  pairs.filter(Boolean).forEach(([label, value], i) => append(line, i ? ' · ' : '', `${label}: `, value));
  return line;
}

