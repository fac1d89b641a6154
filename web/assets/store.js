// The store associate's counter page (/console/store/#sf_...).
//
// It opens from a link an administrator mints (POST /v1/{region}/staff/
// sessions, role associate, one store): staff.js takes the staff token out
// of the address and exchanges it once for a session token it keeps in
// memory only. The session reaches one store's routes: a shopper's page
// only through the code the shopper shows (store-counter.js), and the
// catalog's availability and prices (store-availability.js). "End session",
// the session's expiry and a refusal forget everything the page showed.
import { h, replace, byId, showOnly } from '/assets/dom.js';
import { staff, onEnded } from '/assets/staff.js';
import { StaffPage } from '/assets/staff-page.js';
import { forgetStores, loadStoreNames, storeName, timeLeft } from '/assets/store-common.js';
import { initCounter, resetCounter, tickCounter } from '/assets/store-counter.js';
import { initAvailability, resetAvailability } from '/assets/store-availability.js';

const ROLE = 'associate';
const page = new StaffPage({
  name: 'Store counter',
  role: ROLE,
  noLinkTitle: 'Open the counter page from a store link',
  comeBack: 'To open the counter page, ask your manager for a new store link. A link opens one session, once, in the tab it is opened in, and works for a short time (15 minutes unless they chose otherwise).',
  clearAll: () => clearAll(),
});

let clock = 0;

// ---------------------------------------------------------------- the session

// Empties everything the session showed: the shopper's page, the product
// search, the store and the session line.
function clearAll() {
  clearInterval(clock);
  clock = 0;
  resetCounter();
  resetAvailability();
  forgetStores();
  byId('session').hidden = true;
  replace(byId('session-line'));
  replace(byId('store-line'));
  byId('state-content').hidden = true;
}

function tick() {
  if (!staff.claims) return;
  const line = `${storeName(staff.claims.storeId)} · session ends in ${timeLeft(staff.claims.expiresAt * 1000)}`;
  const node = byId('session-time');
  if (node.textContent !== line) node.textContent = line;
  tickCounter();
}

function renderSession() {
  replace(byId('session-line'), h('span', { id: 'session-time' }));
  byId('session').hidden = false;
  tick();
  clock = setInterval(tick, 1000);
}

async function open() {
  const claims = await page.open();
  if (!claims) return;
  const generation = staff.generation;
  // The store's name, for the header; its id when it cannot be read.
  try {
    await loadStoreNames([claims.storeId]);
  } catch (error) {
    if (staff.generation !== generation) return;  // ended (a 401 says so itself)
  }
  if (staff.generation !== generation) return;
  renderSession();
  replace(byId('store-line'), 'You are serving shoppers at ', h('strong', {}, storeName(claims.storeId)), '.');
  showOnly(byId('state-content'), page.states());
  page.setTitle(storeName(claims.storeId));
  // The code field first: a QR scanner types into whatever has focus.
  byId('code-input').focus();
}

// ---------------------------------------------------------------- start

function start() {
  initCounter();
  initAvailability();
  onEnded((reason) => page.ended(reason, ', and no shopper\'s page stays open'));
  byId('end-session').addEventListener('click', () => page.endByUser());
  // A new link pasted into this tab's address bar opens its own session.
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#sf_')) open();
  });
  open();
}

start();
