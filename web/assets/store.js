// The store associate's counter page (/console/store/#sf_...).
//
// It opens from a link an administrator mints (POST /v1/{region}/staff/
// sessions, role associate, one store): staff.js takes the staff token out
// of the address and exchanges it once for a session token it keeps in
// memory only. The session reaches one store's routes: a shopper's page
// only through the code the shopper shows (store-counter.js), and the
// catalog's availability and prices (store-availability.js). "End session",
// the session's expiry and a refusal forget everything the page showed.
import { h, replace, byId, showOnly, fillMessage } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, openFromFragment, end, onEnded, StaffLinkError } from '/assets/staff.js';
import { failureWords, forgetStores, loadStoreNames, storeName, timeLeft } from '/assets/store-common.js';
import { initCounter, resetCounter, tickCounter } from '/assets/store-counter.js';
import { initAvailability, resetAvailability } from '/assets/store-availability.js';

const ROLE = 'associate';
const HOW_TO_COME_BACK = 'To open the counter page, ask your manager for a new store link. A link opens one session, once, in the tab it is opened in, and works for a short time (15 minutes unless they chose otherwise).';

let clock = 0;

// ---------------------------------------------------------------- states

const states = () => [byId('state-loading'), byId('state-message'), byId('state-content')];

function setTitle(part) {
  document.title = part ? `${part} · Store counter` : 'Store counter';
}

function showMessage(title, paragraphs, id = '') {
  fillMessage(title, paragraphs);
  byId('state-message').dataset.state = id;
  showOnly(byId('state-message'), states());
  setTitle(title);
  byId('message-title').focus();
}

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

function sessionEnded(reason) {
  clearAll();
  if (reason === 'expired') {
    showMessage('Your session has ended', [
      'Staff sessions last a short time, and this one has run out. Nothing it showed is left on this page, and no shopper\'s page stays open.',
      HOW_TO_COME_BACK,
    ], 'expired');
  } else {
    showMessage('The session is no longer accepted', [
      'The server refused this session: its key was rotated or removed, or it was ended elsewhere. Nothing it showed is left on this page.',
      HOW_TO_COME_BACK,
    ], 'refused');
  }
}

function endSession() {
  end();
  clearAll();
  showMessage('Session ended', [
    'The session is forgotten in this tab and nothing it showed is left on this page.',
    'Your browser\'s history may still list the link you opened; it opens nothing: a link works once.',
    HOW_TO_COME_BACK,
  ], 'ended');
}

async function open() {
  clearAll();
  showOnly(byId('state-loading'), states());
  setTitle('Opening');
  let claims;
  try {
    claims = await openFromFragment(ROLE);
  } catch (error) {
    if (error instanceof StaffLinkError) {
      const titles = {
        no_link: 'Open the counter page from a store link',
        bad_link: 'This link does not work',
        wrong_role: 'This link is for another page',
        expired: 'This link has expired',
      };
      showMessage(titles[error.reason] || 'This link does not work', [error.message, HOW_TO_COME_BACK], error.reason);
    } else if (error instanceof ApiError && error.status === 401) {
      showMessage('This link cannot open a session', [
        h('p', { class: 'notice error', id: 'link-refused' }, `The server said: “${error.message}”.`),
        'A link opens one session only, and only for a short time: it may have been used already (in this browser or another), have expired, or have been replaced.',
        HOW_TO_COME_BACK,
      ], 'refused-link');
    } else {
      showMessage('The counter page could not open', [failureWords(error), HOW_TO_COME_BACK], 'failed');
    }
    return;
  }
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
  showOnly(byId('state-content'), states());
  setTitle(storeName(claims.storeId));
  // The code field first: a QR scanner types into whatever has focus.
  byId('code-input').focus();
}

// ---------------------------------------------------------------- start

function start() {
  initCounter();
  initAvailability();
  onEnded(sessionEnded);
  byId('end-session').addEventListener('click', endSession);
  // A new link pasted into this tab's address bar opens its own session.
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#sf_')) open();
  });
  open();
}

start();
