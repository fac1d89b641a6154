// The merchandiser's console (/console/merch/#sf_...).
//
// It opens from a link an administrator mints (POST /v1/{region}/staff/
// sessions, role merchandiser): the staff token in the fragment is taken
// out of the address and exchanged once for a session token that
// staff.js keeps in memory only. No API key is typed. The fragment then
// names the section shown (#insights, #preview, #models, #prices), never
// the token. "End session", the session's expiry and a refusal forget it
// and empty every section.
import { h, replace, byId, showOnly } from '/assets/dom.js';
import { staff, onEnded, minutesLeft } from '/assets/staff.js';
import { StaffPage } from '/assets/staff-page.js';
import { forgetStores } from '/assets/merch-common.js';
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

const page = new StaffPage({
  name: 'Merchandiser\'s console',
  role: ROLE,
  noLinkTitle: 'Open the console from a merchandiser link',
  comeBack: 'To open the console, ask an administrator for a new merchandiser link. A link opens one session, once, in the tab it is opened in, and works for a short time (15 minutes unless they chose otherwise).',
  clearAll: () => clearAll(),
});

let shown = '';
let clock = 0;

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

async function open() {
  const claims = await page.open();
  if (!claims) return;
  renderSession(claims);
  showOnly(byId('state-content'), page.states());
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
  page.setTitle(SECTIONS[name].title);
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
  onEnded((reason) => page.ended(reason));
  byId('end-session').addEventListener('click', () => page.endByUser());
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
