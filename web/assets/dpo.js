// The data-protection officer's console (/console/dpo/).
//
// The API key is typed into the form once and kept in this module's memory
// (dpo-common.js's session) for the tab only: never in storage, a cookie
// or the address. The address's fragment names the section shown
// (#consent, #requests, #audit, #residency) and nothing else. Reloading
// the tab, closing it or "Forget the key" forgets the key.
import { h, append, replace, byId, showOnly, fillMessage } from '/assets/dom.js';
import { ApiError, request } from '/assets/api.js';
import {
  session, onKeyRefused, failureWords, revokeDownloads, initDialog, closeConfirm, clearConfirm,
} from '/assets/dpo-common.js';
import { showConsent, resetConsent } from '/assets/dpo-consent.js';
import { initRequests, showRequests, resetRequests } from '/assets/dpo-requests.js';
import { initAudit, showAudit, resetAudit } from '/assets/dpo-audit.js';
import { initResidency, showResidency, resetResidency } from '/assets/dpo-residency.js';

const SECTIONS = {
  consent: { show: showConsent, reset: resetConsent, title: 'Consent overview' },
  requests: { show: showRequests, reset: resetRequests, title: 'Requests' },
  audit: { show: showAudit, reset: resetAudit, title: 'Audit log' },
  residency: { show: showResidency, reset: resetResidency, title: 'Residency and retention' },
};
const FIRST = 'consent';

let shown = '';  // the section on screen

// ---------------------------------------------------------------- states

const states = () => [byId('state-loading'), byId('state-message'), byId('state-key'), byId('state-content')];

function setTitle(part) {
  document.title = part ? `${part} · Data-protection console` : 'Data-protection console';
}

// The message state: a title, paragraphs and an optional action; focus
// moves to the title so that screen readers announce it.
function showMessage(title, paragraphs, action) {
  closeConfirm();
  fillMessage(title, paragraphs, action);
  showOnly(byId('state-message'), states());
  setTitle(title);
  byId('message-title').focus();
}

// The key form, with `problem` (a sentence) said above it when given.
function showKeyForm(problem) {
  closeConfirm();
  const box = byId('key-problem');
  replace(box, problem ? h('p', {}, problem) : null);
  box.hidden = !problem;
  const input = byId('key-input');
  input.value = '';
  if (problem) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  showOnly(byId('state-key'), states());
  setTitle(problem ? 'Key not accepted' : '');
  if (problem) input.focus();
}

// ---------------------------------------------------------------- the session

function forgetKey() {
  session.key = null;
  session.keyId = '';
  session.scopes = [];
  session.regions = [];
  session.region = '';
  session.generation += 1;
  revokeDownloads();
  // Nothing the key showed stays in the page, shown or hidden.
  clearConfirm();
  for (const section of Object.values(SECTIONS)) section.reset();
  shown = '';
  byId('session').hidden = true;
  replace(byId('session-key'));
  replace(byId('region-select'));
  replace(byId('region-single'));
  byId('state-content').hidden = true;
}

function refused() {
  forgetKey();
  showKeyForm('This key was not accepted. Check that you copied all of it and that it is still configured, then try again.');
}

async function openSession(key) {
  forgetKey();
  showOnly(byId('state-loading'), states());
  let info;
  try {
    info = await request(key, 'GET', '/v1/session');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      refused();
    } else if (error instanceof ApiError && error.status === 403) {
      showMessage('This key reaches no region here', [
        h('p', { class: 'notice error', id: 'no-region' }, `The server said: “${error.message}”.`),
        'The key was accepted, but the regions it may reach are not hosted on this node. Open the console on the node that hosts them, or use a key for a region hosted here.',
      ], { label: 'Use another key', run: () => showKeyForm() });
    } else {
      showMessage('The console could not open', [failureWords(error)], { label: 'Try again', run: () => openSession(key) });
    }
    return;
  }
  const regions = Array.isArray(info?.regions) ? info.regions.filter((r) => typeof r === 'string' && r) : [];
  if (!regions.length) {
    showMessage('This key reaches no region here', ['The server lists no region for this key.'],
      { label: 'Use another key', run: () => showKeyForm() });
    return;
  }
  session.key = key;
  session.keyId = String(info.key_id || '');
  session.scopes = Array.isArray(info.scopes) ? info.scopes : [];
  session.regions = regions;
  session.region = regions[0];
  session.generation += 1;
  renderSession();
  showOnly(byId('state-content'), states());
  showSection(sectionOfAddress(), { focus: true });
}

function renderSession() {
  replace(byId('session-key'), 'Key ', h('span', { class: 'mono' }, session.keyId || 'unnamed'),
    session.scopes.length ? ` · ${session.scopes.join(', ')}` : '');
  byId('session').hidden = false;
  const several = session.regions.length > 1;
  const select = byId('region-select');
  replace(select, session.regions.map((r) => h('option', { value: r }, r)));
  select.value = session.region;
  byId('region-switch').hidden = !several;
  const single = byId('region-single');
  replace(single, several ? null : ['Region ', h('strong', { class: 'mono' }, session.region)]);
  single.hidden = several;
}

function switchRegion() {
  const region = byId('region-select').value;
  if (!session.key || !session.regions.includes(region) || region === session.region) return;
  session.region = region;
  session.generation += 1;
  for (const section of Object.values(SECTIONS)) section.reset();
  const now = shown;
  shown = '';
  showSection(now || FIRST, { focus: false });
}

// ---------------------------------------------------------------- sections

function sectionOfAddress() {
  const name = location.hash.slice(1);
  return Object.hasOwn(SECTIONS, name) ? name : FIRST;
}

function showSection(name, { focus }) {
  if (!session.key) return;
  for (const [key] of Object.entries(SECTIONS)) byId(`section-${key}`).hidden = key !== name;
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
  const name = location.hash.slice(1);
  if (!Object.hasOwn(SECTIONS, name) || !session.key) return;
  showSection(name, { focus: true });
}

// ---------------------------------------------------------------- start

function submitKey(event) {
  event.preventDefault();
  const input = byId('key-input');
  const key = input.value.trim();
  input.value = '';
  if (!key) {
    showKeyForm('Type or paste the API key first.');
    return;
  }
  openSession(key);
}

function start() {
  initDialog();
  initRequests();
  initAudit();
  initResidency();
  onKeyRefused(refused);
  byId('key-form').addEventListener('submit', submitKey);
  byId('forget-key').addEventListener('click', () => {
    forgetKey();
    showKeyForm();
    byId('key-title').focus();
  });
  byId('region-select').addEventListener('change', switchRegion);
  window.addEventListener('hashchange', onHashChange);
  // A link to the section already in the address changes no fragment:
  // it shows the section again, with fresh data.
  for (const link of document.querySelectorAll('.console-nav a')) {
    link.addEventListener('click', () => {
      if (link.hash === location.hash && session.key) showSection(link.dataset.section, { focus: true });
    });
  }
  showKeyForm();
}

start();
