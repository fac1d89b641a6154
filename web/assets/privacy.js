// The shopper's privacy center (/privacy/#st_...).
//
// The shopper token arrives in the address's fragment (which no server
// sees), is removed from the address bar before anything else runs, and is
// kept in this module's memory only: never in storage or a cookie. Closing
// the tab, "End session", the token's expiry and an erasure forget it. The
// browser's own history still recorded the first address, token and all,
// before this ran: tokens are short-lived for that (docs/web.md).
import { h, append, replace, byId, showOnly, fillMessage } from '/assets/dom.js';
import { ApiError, request, shopperPath, readShopperToken } from '/assets/api.js';
import { CATEGORIES, CHANNELS, ID_KINDS, purposeName, reasonWords, formatDate } from '/assets/privacy-words.js';
import { blankConsent, startDraft, renderChoices, changes, clearChoices } from '/assets/privacy-choices.js';
import { initCounterCode, showCounterCode, clearCounterCode } from '/assets/privacy-counter.js';

// The page's one piece of state: the open session (nothing of it persists).
const session = {
  token: null,    // the shopper token, in memory only
  claims: null,   // what the token says: region, idKind, id, expiresAt, reach
  clock: 0,       // the interval that counts the session down
  consent: null,  // the consent state as the server last answered it
  draft: null,    // the switches as the shopper set them: {purposes, optOuts}
  downloads: [],  // object URLs of downloaded files, revoked when the session ends
};

const gpcSignal = navigator.globalPrivacyControl === true;

// ---------------------------------------------------------------- helpers

function count(n) {
  return Number(n || 0).toLocaleString();
}

function path(suffix, query) {
  return shopperPath(session.claims, suffix, query);
}

function call(method, suffix, body, query) {
  if (!session.token) return Promise.reject(new ApiError(401, 'unauthenticated', 'the session has ended'));
  return request(session.token, method, path(suffix, query), body);
}

// A failed request in words for the shopper.
function failureWords(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong on this page. Please try again.';
  switch (error.status) {
    case 0: return 'We could not reach the shop. Check your connection and try again.';
    case 403: return 'This link does not allow that.';
    case 409: return error.field === 'purposes.marketing'
      ? 'Marketing stays off while your browser sends Global Privacy Control.'
      : 'Something else is changing your data right now. Please try again in a moment.';
    case 429: return `Too many requests at once. Please wait ${error.retryAfter || 'a few'} seconds and try again.`;
    case 503: return 'The shop is busy. Please try again in a moment.';
    default: return 'Something went wrong on our side. Please try again later.';
  }
}

// ---------------------------------------------------------------- states

const states = () => [byId('state-loading'), byId('state-message'), byId('state-content')];

function showLoading() {
  showOnly(byId('state-loading'), states());
}

// The message state: a title and paragraphs (or nodes), and an optional
// retry action. Focus moves to the title so screen readers announce it.
function showMessage(title, paragraphs, action) {
  closeDialog();
  fillMessage(title, paragraphs, action);
  showOnly(byId('state-message'), states());
  document.title = `${title} · Your privacy center`;
  byId('message-title').focus();
}

const HOW_TO_COME_BACK = 'To open your privacy center, use the link in the shop\'s app or website (in your account or privacy settings). Each link works for a short time and only in the tab it opens.';

function showNoToken() {
  showMessage('Open your privacy center from the shop', [
    'This page shows your information only when you open it from a link the shop gives you, so that nobody else can see it.',
    HOW_TO_COME_BACK,
  ]);
}

function showInvalidLink() {
  showMessage('This link does not work', [
    'The link you opened is incomplete or damaged, so we cannot show your information.',
    HOW_TO_COME_BACK,
  ]);
}

function showExpired() {
  showMessage('This link has expired', [
    'For your safety, a link to your privacy center works for a short time only, and this one has run out.',
    HOW_TO_COME_BACK,
  ]);
}

function showRefused() {
  showMessage('We could not confirm this link', [
    'This link is not valid: it may have expired, been used already (a link opens your privacy center once), been replaced by a newer one, or been changed. Nothing about you is shown.',
    HOW_TO_COME_BACK,
  ]);
}

// ---------------------------------------------------------------- session

function forgetToken() {
  session.token = null;
  session.claims = null;
  session.consent = null;
  session.draft = null;
  clearInterval(session.clock);
  session.clock = 0;
  for (const url of session.downloads) URL.revokeObjectURL(url);
  session.downloads = [];
  byId('session').hidden = true;
  // Nothing of the shopper stays in the page, shown or hidden.
  closeDialog();
  for (const id of ['hold-body', 'recs-body']) replace(byId(id));
  clearChoices();
  clearCounterCode();
  for (const id of ['download-status', 'erase-status']) byId(id).textContent = '';
  for (const id of ['recommendations', 'choices', 'download', 'erase', 'gpc-notice']) byId(id).hidden = true;
  byId('state-content').hidden = true;
}

function updateClock() {
  if (!session.claims) return;
  const left = session.claims.expiresAt * 1000 - Date.now();
  if (left <= 0) {
    forgetToken();
    showMessage('Your session has ended', ['For your safety, sessions end after a short time. Nothing about you is left in this tab.', HOW_TO_COME_BACK]);
    return;
  }
  const minutes = Math.ceil(left / 60000);
  const text = left < 60000 ? 'Your session ends in less than a minute.'
    : `Your session ends in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  const line = byId('session-time');
  if (line.textContent !== text) line.textContent = text;
}

function startClock() {
  byId('session').hidden = false;
  updateClock();
  session.clock = setInterval(updateClock, 1000);
}

function endSession() {
  forgetToken();
  showMessage('Your session has ended', [
    'We have forgotten your link in this tab. Nothing about you is left on this page.',
    'Your browser\'s history may still list the address you opened; that link stops working after a short time. On a shared device, you can also remove this site from the history.',
    HOW_TO_COME_BACK,
  ]);
}

// ---------------------------------------------------------------- what we hold

function renderHold(summary) {
  const body = byId('hold-body');
  if (!summary) {
    replace(body, h('div', { class: 'notice' },
      h('p', {}, h('strong', {}, 'We hold nothing about you.')),
      h('p', {}, 'No activity, identifiers or choices are recorded under your identifier. Your choices below apply to anything recorded later.')));
    return;
  }
  if (!summary.events) {
    const ids = summary.linked_ids || [];
    replace(body,
      h('div', { class: 'notice' },
        h('p', {}, h('strong', {}, 'We hold no activity about you.')),
        h('p', {}, 'No visits, searches or purchases are recorded under your identifiers. Your choices below still apply to anything recorded later.')),
      ids.length ? [h('h3', {}, 'How we know you'), idList(ids)] : null);
    return;
  }
  const categories = h('table', {},
    h('caption', {}, 'What we recorded, by kind of data'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Kind of data'), h('th', { scope: 'col', class: 'num' }, 'Records'))),
    h('tbody', {}, CATEGORIES.map((c) => h('tr', {},
      h('th', { scope: 'row' }, c.name, h('span', { class: 'cell-hint' }, c.what)),
      h('td', { class: 'num' }, count(summary.by_category?.[c.key]))))));
  const channels = Object.entries(summary.by_channel || {});
  const channelTable = h('table', {},
    h('caption', {}, 'Where it happened'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Where'), h('th', { scope: 'col', class: 'num' }, 'Records'))),
    h('tbody', {}, channels.map(([key, n]) => h('tr', {},
      h('th', { scope: 'row' }, CHANNELS[key] || key),
      h('td', { class: 'num' }, count(n))))));
  replace(body,
    h('h3', {}, 'How we know you'),
    idList(summary.linked_ids || []),
    h('p', { class: 'hint' }, 'Most of each identifier is hidden here, so that nobody looking at your screen can read it.'),
    h('h3', {}, 'Your activity'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Things you did that we recorded'), h('dd', {}, count(summary.events)),
      h('dt', {}, 'First recorded'), h('dd', {}, formatDate(summary.first_seen)),
      h('dt', {}, 'Last recorded'), h('dd', {}, formatDate(summary.last_seen))),
    h('div', { class: 'grid grid-2' },
      h('div', { class: 'table-scroll' }, categories),
      h('div', { class: 'table-scroll' }, channelTable)));
}

// What is held (null: nothing), and the download and erasure, which need
// something held.
function showHeld(held) {
  renderHold(held);
  byId('download').hidden = held === null;
  byId('erase').hidden = !session.claims.reach.has('erase') || held === null;
}

function idList(ids) {
  return h('ul', { class: 'id-list' }, ids.map((linked) => h('li', {},
    `${ID_KINDS[linked.kind] || 'Identifier'}: `, h('span', { class: 'mono' }, linked.id))));
}

function renderRecommendations(result, events) {
  const section = byId('recommendations');
  const body = byId('recs-body');
  section.hidden = false;
  if (result instanceof Error) {
    replace(body, h('p', {}, `We could not load your suggestions. ${failureWords(result)}`));
    return;
  }
  const items = result.items || [];
  const personalizationOff = session.consent && session.consent.purposes?.personalization?.allowed === false;
  let intro;
  if (result.personalized) {
    intro = 'These are the products the shop would suggest to you now, based on your activity.';
  } else if (personalizationOff) {
    intro = 'Personal recommendations are off, so these suggestions use none of your data: they are what sells well with everyone.';
  } else if (!events) {
    intro = 'We have no activity of yours, so these suggestions use none of your data: they are what sells well with everyone.';
  } else {
    intro = 'These suggestions use none of your data: the shop suggests what sells well with everyone until it has learned enough to do better.';
  }
  if (!items.length) {
    replace(body, h('p', {}, intro), h('p', {}, 'There are no suggestions to show right now.'));
    return;
  }
  replace(body,
    h('p', {}, intro),
    h('ul', { class: 'recs' }, items.map((item) => h('li', {},
      typeof item.title === 'string' && item.title.trim()
        ? h('strong', { class: 'rec-title' }, item.title)
        : h('span', {}, 'Product ', h('span', { class: 'mono' }, item.product_id)),
      h('span', { class: 'why' }, `Why: ${reasonWords(item.reason)}`)))));
}

// ---------------------------------------------------------------- choices

async function saveChoices() {
  const status = byId('choices-status');
  const body = changes(session, gpcSignal);
  if (!Object.keys(body).length) {
    status.textContent = 'Nothing to save: you have not changed anything.';
    return;
  }
  const button = byId('save-choices');
  button.disabled = true;
  status.textContent = 'Saving…';
  const token = session.token;
  const wasBlank = Boolean(session.consent.blank);
  try {
    const state = await call('PUT', '/consent', body);
    if (session.token !== token) return;  // ended meanwhile
    session.consent = state;
    session.draft = startDraft(state);
    renderChoices(session, gpcSignal);
    status.textContent = 'Saved. Your choices apply from now on.';
    const now = (show) => (value) => session.token === token && show(value);
    if (session.claims.reach.has('export') && !byId('recommendations').hidden) {
      call('GET', '/recommendations').then(now((r) => renderRecommendations(r, true)), now((e) => renderRecommendations(e, true)));
    }
    // The first decision of a shopper held nothing on created them.
    if (wasBlank && session.claims.reach.has('export')) readOrMissing('/summary').then(now(showHeld), () => {});
  } catch (error) {
    if (session.token !== token) return;
    if (error instanceof ApiError && error.status === 401) return sessionRefused();
    status.textContent = `Not saved. ${failureWords(error)}`;
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- download

async function downloadData() {
  const status = byId('download-status');
  const button = byId('download-data');
  button.disabled = true;
  status.textContent = 'Preparing your file…';
  const token = session.token;
  try {
    const doc = await call('GET', '/data');
    if (session.token !== token) return;  // ended meanwhile: nothing is saved
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    session.downloads.push(url);
    const day = new Date().toISOString().slice(0, 10);
    const link = h('a', { href: url, download: `my-data-${session.claims.region}-${day}.json`, hidden: true }, 'download');
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = 'Your file is downloading. It holds everything we keep about you: keep it somewhere safe.';
  } catch (error) {
    if (session.token !== token) return;
    if (error instanceof ApiError && error.status === 401) return sessionRefused();
    status.textContent = error instanceof ApiError && error.status === 404
      ? 'We hold nothing about you, so there is nothing to download.'
      : `Your file could not be made. ${failureWords(error)}`;
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- delete me

function openDialog() {
  const dialog = byId('erase-dialog');
  if (!dialog.open) dialog.showModal();
  byId('erase-cancel').focus();
}

function closeDialog() {
  const dialog = document.getElementById('erase-dialog');
  if (dialog && dialog.open) dialog.close();
}

async function confirmErase() {
  const confirm = byId('erase-confirm');
  const cancel = byId('erase-cancel');
  confirm.disabled = true;
  cancel.disabled = true;
  try {
    const receipt = await call('DELETE', '');
    forgetToken();
    showErased(receipt);
  } catch (error) {
    closeDialog();
    if (error instanceof ApiError && error.status === 401) return sessionRefused();
    byId('erase-status').textContent = `Your data was not deleted. ${failureWords(error)}`;
    byId('erase-start').focus();
  } finally {
    confirm.disabled = false;
    cancel.disabled = false;
  }
}

function showErased(receipt) {
  const deleted = receipt?.deleted || {};
  const lines = h('dl', { class: 'facts receipt' },
    h('dt', {}, 'Deleted on'), h('dd', {}, formatDate(receipt?.at, true)),
    h('dt', {}, 'Activity records deleted'), h('dd', {}, count(deleted.events)),
    h('dt', {}, 'Choices deleted'), h('dd', {}, count(deleted.consent_records)),
    h('dt', {}, 'Identifiers deleted'), h('dd', {}, count(deleted.identifiers)),
    h('dt', {}, 'Encryption keys destroyed'), h('dd', {}, count(receipt?.data_keys_destroyed)));
  const kept = receipt?.kept?.refusals || [];
  showMessage('Your data has been deleted', [
    receipt?.erased === false
      ? 'There was nothing left to delete: your data had already been deleted.'
      : 'Everything we held about you is deleted. This is your receipt:',
    lines,
    kept.length
      ? `We keep only the "no" you gave us (${kept.map((k) => (k === 'gpc' ? 'Global Privacy Control' : purposeName(k))).join(', ')}), so that it is still respected, without anything that says who you are.`
      : 'We keep nothing that says who you are.',
    'Your link has been forgotten and no longer works. You can close this tab.',
  ]);
}

// A token the server refused mid-session (expired, replaced, erased).
function sessionRefused() {
  const expired = session.claims && session.claims.expiresAt * 1000 <= Date.now();
  forgetToken();
  if (expired) showExpired(); else showRefused();
}

// ---------------------------------------------------------------- opening

async function readOrMissing(suffix) {
  try {
    return await call('GET', suffix);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function open(token) {
  forgetToken();
  let claims;
  try {
    claims = readShopperToken(token);
  } catch {
    showInvalidLink();
    return;
  }
  if (claims.expiresAt * 1000 <= Date.now()) {
    showExpired();
    return;
  }
  session.claims = claims;
  showLoading();
  // The link's address (token included) stays in the browser's history: its
  // token is exchanged at once for a session token held here only, and the
  // server refuses the link's from then on. A token that cannot open a
  // session (it does not reach consent) is used as it is.
  let opened;
  try {
    opened = claims.reach.has('consent') ? (await request(token, 'POST', shopperPath(claims, '/session'), {})).token : token;
  } catch (error) {
    if (session.claims !== claims) return;  // ended or replaced meanwhile
    if (error instanceof ApiError && error.status === 401) return sessionRefused();
    forgetToken();
    showMessage('We could not open your privacy center', [failureWords(error), HOW_TO_COME_BACK]);
    return;
  }
  if (session.claims !== claims) return;
  session.token = opened;
  startClock();
  const canSee = claims.reach.has('export');
  const canChoose = claims.reach.has('consent');
  // One request first: a token the server refuses (forged, replaced, its
  // shopper erased) is then refused once, not once per section.
  const settle = (promise) => promise.then((value) => ({ status: 'fulfilled', value }), (reason) => ({ status: 'rejected', reason }));
  const first = await settle(canSee ? readOrMissing('/summary')
    : canChoose ? readOrMissing('/consent') : Promise.resolve(undefined));
  const refused = first.status === 'rejected' && first.reason instanceof ApiError && first.reason.status === 401;
  const [summary, consent, recommendations] = refused ? [first, first, first] : await Promise.all([
    canSee ? first : settle(Promise.resolve(undefined)),
    canChoose ? (canSee ? settle(readOrMissing('/consent')) : first) : settle(Promise.resolve(undefined)),
    canSee ? settle(call('GET', '/recommendations')) : settle(Promise.resolve(undefined)),
  ]);
  if (session.token !== opened) return;  // ended or replaced meanwhile
  const failures = [summary, consent, recommendations].filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.some((e) => e instanceof ApiError && e.status === 401)) {
    sessionRefused();
    return;
  }
  const fatal = [summary, consent].find((r) => r.status === 'rejected');
  if (fatal) {
    forgetToken();
    showMessage('We could not load your information', [failureWords(fatal.reason)],
      { label: 'Try again', run: () => open(token) });
    return;
  }
  // A shopper the server holds nothing on (404) still gets the choices.
  session.consent = consent.value === null ? blankConsent() : consent.value || null;
  const held = summary.value;
  const events = held ? held.events : 0;

  byId('hold').hidden = !canSee;
  if (canSee) showHeld(held);
  else byId('erase').hidden = !claims.reach.has('erase');
  if (canSee && held) showCounterCode();
  if (canSee && events) {
    renderRecommendations(recommendations.status === 'fulfilled' ? recommendations.value : recommendations.reason, events);
  }

  byId('gpc-notice').hidden = !gpcSignal;
  byId('choices').hidden = !canChoose;
  if (canChoose) {
    session.draft = startDraft(session.consent);
    renderChoices(session, gpcSignal);
  }

  showOnly(byId('state-content'), states());
  document.title = events ? 'Your privacy center' : 'Your privacy center: no activity held';
}

// The token in the address's fragment, removed from the address bar (and
// so from the history entry) before it is used.
function takeToken() {
  const fragment = location.hash.slice(1);
  if (!fragment.startsWith('st_')) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return fragment;
}

function start() {
  const token = takeToken();
  if (token) {
    open(token);
  } else if (!session.token) {
    showNoToken();
  }
}

byId('end-session').addEventListener('click', endSession);
byId('save-choices').addEventListener('click', saveChoices);
byId('download-data').addEventListener('click', downloadData);
byId('erase-start').addEventListener('click', openDialog);
byId('erase-cancel').addEventListener('click', () => {
  closeDialog();
  byId('erase-start').focus();
});
byId('erase-confirm').addEventListener('click', confirmErase);
initCounterCode({ call, refused: sessionRefused });
// A new link pasted into this tab's address bar opens its own session.
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#st_')) start();
});
start();
