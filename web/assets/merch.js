// The merchandiser's console (/console/merch/#sf_...).
//
// It opens from a link an administrator mints (POST /v1/{region}/staff/
// sessions, role merchandiser): the staff token in the fragment is taken
// out of the address and exchanged once for a session token that
// staff.js keeps in memory only. No API key is typed. The fragment then
// names the section shown (#insights, #preview, #models, #prices), never
// the token. "End session", the session's expiry and a refusal forget it
// and empty every section.
import { h, replace, byId, showOnly, fillMessage } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, openFromFragment, end, onEnded, minutesLeft, StaffLinkError } from '/assets/staff.js';
import { failureWords, forgetStores } from '/assets/merch-common.js';
import { initInsights, showInsights, resetInsights } from '/assets/merch-insights.js';
import { initPreview, showPreview, resetPreview } from '/assets/merch-preview.js';
import { initModels, showModels, resetModels } from '/assets/merch-models.js';
import { initPrices, showPrices, resetPrices } from '/assets/merch-prices.js';

const SECTIONS = {
  insights: { show: showInsights, reset: resetInsights, title: 'Insights' },
  preview: { show: showPreview, reset: resetPreview, title: 'Recommendation preview' },
  models: { show: showModels, reset: resetModels, title: 'Models' },
  prices: { show: showPrices, reset: resetPrices, title: 'One price' },
};
const FIRST = 'insights';
const ROLE = 'merchandiser';

const HOW_TO_COME_BACK = 'To open the console, ask an administrator for a new merchandiser link. A link opens one session, once, in the tab it is opened in, and works for a short time (15 minutes unless they chose otherwise).';

let shown = '';
let clock = 0;

// ---------------------------------------------------------------- states

const states = () => [byId('state-loading'), byId('state-message'), byId('state-content')];

function setTitle(part) {
  document.title = part ? `${part} · Merchandiser's console` : 'Merchandiser\'s console';
}

function showMessage(title, paragraphs, id = '') {
  fillMessage(title, paragraphs);
  byId('state-message').dataset.state = id;
  showOnly(byId('state-message'), states());
  setTitle(title);
  byId('message-title').focus();
}

// ---------------------------------------------------------------- the session

// Empties everything the session showed: sections, session line, stores.
function clearAll() {
  clearInterval(clock);
  clock = 0;
  for (const section of Object.values(SECTIONS)) section.reset();
  forgetStores();
  shown = '';
  byId('session').hidden = true;
  replace(byId('session-line'));
  byId('state-content').hidden = true;
}

function updateClock() {
  if (!staff.claims) return;
  const minutes = minutesLeft();
  const left = staff.claims.expiresAt * 1000 - Date.now();
  const text = left < 60_000 ? 'less than a minute' : `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const line = `Region ${staff.claims.region} · session ends in ${text}`;
  const node = byId('session-time');
  if (node.textContent !== line) node.textContent = line;
}

function renderSession(claims) {
  replace(byId('session-line'),
    h('span', { id: 'session-time' }),
    h('span', { class: 'session-key' }, ` · key ${claims.apiKeyId || 'unnamed'}`));
  byId('session').hidden = false;
  updateClock();
  clock = setInterval(updateClock, 1000);
}

function sessionEnded(reason) {
  clearAll();
  if (reason === 'expired') {
    showMessage('Your session has ended', [
      'Staff sessions last a short time, and this one has run out. Nothing it showed is left on this page.',
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
        no_link: 'Open the console from a merchandiser link',
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
      showMessage('The console could not open', [failureWords(error), HOW_TO_COME_BACK], 'failed');
    }
    return;
  }
  renderSession(claims);
  showOnly(byId('state-content'), states());
  showSection(sectionOfAddress(), { focus: true });
}

// ---------------------------------------------------------------- sections

function sectionOfAddress() {
  const name = location.hash.slice(1);
  return Object.hasOwn(SECTIONS, name) ? name : FIRST;
}

function showSection(name, { focus }) {
  if (!staff.token) return;
  for (const key of Object.keys(SECTIONS)) byId(`section-${key}`).hidden = key !== name;
  for (const link of document.querySelectorAll('.console-nav a')) {
    if (link.dataset.section === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  setTitle(SECTIONS[name].title);
  shown = name;
  if (focus) byId(`${name}-title`).focus();
  SECTIONS[name].show();
}

function onHashChange() {
  // A new link pasted into this tab's address bar opens its own session.
  if (location.hash.startsWith('#sf_')) {
    open();
    return;
  }
  const name = location.hash.slice(1);
  if (!Object.hasOwn(SECTIONS, name) || !staff.token) return;
  showSection(name, { focus: true });
}

// ---------------------------------------------------------------- start

function start() {
  initInsights();
  initPreview();
  initModels();
  initPrices();
  onEnded(sessionEnded);
  byId('end-session').addEventListener('click', endSession);
  window.addEventListener('hashchange', onHashChange);
  // A link to the section already shown changes no fragment: it shows the
  // section again, with fresh data.
  for (const link of document.querySelectorAll('.console-nav a')) {
    link.addEventListener('click', () => {
      if (link.hash === location.hash && staff.token && shown === link.dataset.section) {
        showSection(link.dataset.section, { focus: true });
      }
    });
  }
  open();
}

start();
