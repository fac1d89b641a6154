// The shopper at the counter: the code the shopper shows from their
// privacy center opens their page here (POST counter/views), for this
// store only, until the code's fifteen minutes are over or the associate
// presses "Done with this shopper". The associate cannot look a shopper
// up: without a code the page shows nothing personal. The view lives in
// this module's memory and the DOM only while it is open.
import { h, replace, byId } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';
import {
  CATEGORIES, ID_KINDS, PURPOSES, current, failureWords, fulfilmentWords, loadStoreNames, markInvalid, money,
  productLabel, purposeState, reasonWords, timeLeft, timeOf, whyNotWords, words,
} from '/assets/store-common.js';

const CODE_CHARACTERS = /^[2-9A-HJKMNP-Z]{6}$/;  // the server's alphabet: no 0, 1, I, L or O

// The open view: {expiresAt (ms), generation}, or null.
let view = null;
let busy = false;
let locked = false;  // the server refused more codes in this session (429)

// ---------------------------------------------------------------- the code

// The code typed or scanned, as the server reads it: any case, spaces and
// dashes ignored, or the QR's text "confide-counter:<region>:<code>".
// Returns {code} or {problem} (in words), without asking the server, so
// that a slip of the finger does not count among the session's wrong codes.
export function readCode(text, region) {
  let rest = String(text || '').trim();
  const qr = /^confide-counter:([^:]*):(.*)$/i.exec(rest);
  if (qr) {
    if (qr[1].toLowerCase() !== String(region).toLowerCase()) {
      return { problem: `This QR code is from the shop's region “${qr[1]}”, and this store is in “${region}”: the shopper should open their privacy center for this region and show that code.` };
    }
    rest = qr[2];
  }
  const code = rest.replace(/[\s-]+/g, '').toUpperCase();
  if (!code) return { problem: 'Type the code the shopper shows you, or scan its QR code into the field.' };
  if (/[^0-9A-Z]/.test(code)) return { problem: 'A code has only letters and digits: check what you typed.' };
  if (code.length !== 6) return { problem: `A code has six characters, and this has ${code.length}: check it with the shopper.` };
  if (!CODE_CHARACTERS.test(code)) return { problem: 'Codes use no 0, 1, I, L or O, so that no character can be mistaken for another: check the code with the shopper.' };
  return { code };
}

// The server's refusal of a code, in words.
function refusalWords(error, code) {
  if (!(error instanceof ApiError)) return failureWords(error);
  if (error.status === 404) {
    return `No code ${code} is open. Check it with the shopper; if it is right, it has expired or been replaced by a newer one: ask them to make a new code in their privacy center.`;
  }
  if (error.status === 403 && error.field === 'code') {
    return 'This code was opened at another store. A code works only in the store where it was first shown: ask the shopper to make a new code for this store.';
  }
  if (error.status === 429) {
    return 'Too many wrong codes in this session: for the shoppers\' safety it may try no more. Ask your manager for a new store link.';
  }
  if (error.status === 400) return `The server did not read this as a code: “${error.message}”. Check it with the shopper.`;
  return failureWords(error);
}

function showProblem(text) {
  const box = byId('code-problem');
  if (text) replace(box, h('p', {}, text));
  else replace(box);
  box.hidden = !text;
  markInvalid(byId('code-input'), Boolean(text));
}

async function submitCode(event) {
  event.preventDefault();
  if (busy || locked || !staff.token) return;
  const input = byId('code-input');
  const read = readCode(input.value, staff.claims.region);
  byId('shopper-status').textContent = '';
  if (read.problem) {
    showProblem(read.problem);
    input.focus();
    return;
  }
  showProblem('');
  busy = true;
  const button = byId('code-submit');
  button.disabled = true;
  byId('shopper-status').textContent = 'Opening the shopper\'s page…';
  const generation = staff.generation;
  try {
    const answer = await call('POST', '/counter/views', { code: read.code });
    if (!current(generation)) return;
    input.value = '';
    await showView(answer, generation);
  } catch (error) {
    if (!current(generation)) return;  // the session ended: staff.js says so
    byId('shopper-status').textContent = '';
    showProblem(refusalWords(error, read.code));
    locked = error instanceof ApiError && error.status === 429;
    input.focus();
  } finally {
    busy = false;
    button.disabled = locked;
  }
}

// ---------------------------------------------------------------- the view

async function showView(answer, generation) {
  const expiresAt = Date.parse(answer?.expires_at);
  if (!Number.isFinite(expiresAt) || expiresAt <= Date.now()) {
    byId('shopper-status').textContent = 'The shopper\'s code expired just now: ask them for a new one.';
    return;
  }
  // Store names for pick-up elsewhere; ids where they cannot be read.
  const stores = (answer.recommendations?.items || []).flatMap((item) => (item.fulfilment || []))
    .filter((f) => String(f).startsWith('pickup_at:')).map((f) => String(f).slice('pickup_at:'.length));
  try {
    await loadStoreNames(stores);
  } catch {
    // a 401 ended the session; the check below drops the answer
  }
  if (!current(generation)) return;
  view = { expiresAt, generation };
  const shopper = answer.shopper || {};
  replace(byId('view-title'), 'Shopper ', h('span', { class: 'mono' }, shopper.masked_id || '•••'),
    shopper.id_kind ? ` (${words(ID_KINDS, shopper.id_kind)})` : '');
  renderConsent(answer.consent);
  renderRecommendations(answer.recommendations);
  renderReplenishment(answer.replenishment);
  renderCart(answer.cart);
  byId('code-entry').hidden = true;
  byId('shopper-status').textContent = '';
  byId('view').hidden = false;
  tickCounter();
  byId('view-title').focus();
}

function renderConsent(consent) {
  const body = byId('view-consent');
  if (!consent || !consent.purposes) {
    replace(body, h('p', {}, 'Their choices could not be read.'));
    return;
  }
  const optOuts = (consent.category_opt_outs || []).map((c) => words(CATEGORIES, c));
  replace(body,
    h('ul', { class: 'consent-list' }, PURPOSES.map((p) => {
      const state = consent.purposes[p.key];
      return h('li', { class: state?.allowed ? 'allowed' : 'not-allowed' },
        h('strong', {}, p.name), h('span', { class: 'what' }, ` (${p.what})`), ': ',
        h('span', { class: 'state' }, purposeState(state, consent.legal_basis)));
    })),
    consent.gpc ? h('p', {}, 'Their browser sends Global Privacy Control: no marketing.') : null,
    optOuts.length ? h('p', {}, `Kept out of every use: ${optOuts.join(', ')}.`) : null,
    h('p', { class: 'hint' }, 'Only the shopper changes these, in their privacy center.'));
}

function renderRecommendations(recs) {
  const body = byId('view-recs');
  const items = Array.isArray(recs?.items) ? recs.items : [];
  const intro = recs?.personalized
    ? h('p', { id: 'view-recs-why' }, 'Chosen for them from their history, among what this store holds.')
    : h('p', { id: 'view-recs-why', class: 'notice warn' }, whyNotWords(recs?.why_not_personalized));
  if (!items.length) {
    replace(body, intro, h('p', {}, 'There are no suggestions in stock here right now.'));
    return;
  }
  const titles = new Map(items.map((item) => [item.product_id, productLabel(item)]));
  const titleOf = (id) => titles.get(id) || `product ${id}`;
  replace(body, intro, h('ul', { class: 'recs' }, items.map((item) => h('li', {},
    h('strong', { class: 'rec-title' }, productLabel(item)),
    ' ', h('span', { class: 'price' }, money(item.price)),
    h('span', { class: 'why' }, `Why: ${reasonWords(item.reason, titleOf)}`),
    h('span', { class: 'why' }, `Can be had: ${fulfilmentWords(item.fulfilment)}.`)))));
}

const ADDED_IN = { web: 'on the website', app: 'in the app', store: 'in a store', call_center: 'by phone' };

const NOT_ALLOWED = 'Not shown: the shopper has not allowed personal recommendations.';

function renderReplenishment(replenishment) {
  const body = byId('view-replenishment');
  if (replenishment === null || replenishment === undefined) {
    replace(body, h('p', {}, NOT_ALLOWED));
    return;
  }
  const items = Array.isArray(replenishment.items) ? replenishment.items : [];
  const days = replenishment.horizon_days || 14;
  if (!items.length) {
    replace(body, h('p', {}, `Nothing they buy regularly is due in the next ${days} days.`));
    return;
  }
  const today = new Date().toISOString().slice(0, 10);
  replace(body, h('p', {}, `What they buy regularly and will need within ${days} days, soonest first.`),
    h('ul', { class: 'recs' }, items.map((item) => h('li', {},
      h('strong', { class: 'rec-title' }, productLabel(item)),
      ' ', h('span', { class: 'price' }, money(item.unit_price)),
      h('span', { class: 'why' }, String(item.due) < today ? 'Overdue since ' : 'Due ', timeOf(item.due, { day: true }),
        item.interval_days ? `; they buy it about every ${Math.round(item.interval_days)} days` : '',
        item.quantity ? `, usually ${item.quantity} at a time.` : '.')))));
}

function renderCart(cart) {
  const body = byId('view-cart');
  if (cart === null || cart === undefined) {
    replace(body, h('p', {}, NOT_ALLOWED));
    return;
  }
  const items = Array.isArray(cart.items) ? cart.items : [];
  if (!items.length) {
    replace(body, h('p', {}, 'Their cart is empty.'));
    return;
  }
  replace(body,
    h('ul', { class: 'recs' }, items.map((item) => h('li', {},
      h('strong', { class: 'rec-title' }, productLabel(item)),
      ' ', h('span', { class: 'price' }, `${item.quantity ?? 1} × ${money(item.unit_price)}`),
      h('span', { class: 'why' }, 'Added', item.channel ? ` ${words(ADDED_IN, item.channel)}` : '',
        item.added_at ? [', ', timeOf(item.added_at)] : '', '.')))),
    h('p', { class: 'cart-total' }, 'Total at this store\'s prices: ', h('strong', {}, money(cart.value, cart.currency))));
}

// Forgets the open view: its DOM, its memory, the status line.
function closeView() {
  view = null;
  for (const id of ['view-title', 'view-time', 'view-consent', 'view-recs', 'view-replenishment', 'view-cart']) replace(byId(id));
  byId('view').hidden = true;
  byId('code-entry').hidden = false;
}

function done() {
  closeView();
  byId('shopper-status').textContent = 'Done: the shopper\'s page is closed and nothing of it is left on this screen.';
  byId('code-input').focus();
}

// Once a second (store.js's clock): the time left on the code; when it is
// over, the view closes.
export function tickCounter() {
  if (!view) return;
  if (view.generation !== staff.generation || view.expiresAt <= Date.now()) {
    const hadFocus = byId('view').contains(document.activeElement);
    closeView();
    byId('shopper-status').textContent = 'The shopper\'s code has run out, so their page is closed. If they need more help, ask them for a new code.';
    if (hadFocus) byId('code-input').focus();
    return;
  }
  const text = `Their code keeps this page open for ${timeLeft(view.expiresAt)} more, in this store only.`;
  const node = byId('view-time');
  if (node.textContent !== text) node.textContent = text;
}

// ---------------------------------------------------------------- start and end

export function initCounter() {
  byId('code-form').addEventListener('submit', submitCode);
  byId('view-done').addEventListener('click', done);
  byId('code-input').addEventListener('input', () => {
    if (!byId('code-problem').hidden) showProblem('');
  });
}

// The session ended: nothing of any shopper stays.
export function resetCounter() {
  closeView();
  showProblem('');
  busy = false;
  locked = false;
  byId('code-submit').disabled = false;
  byId('code-input').value = '';
  byId('shopper-status').textContent = '';
}
