// The audit log: its records newest first, filtered by action and UTC
// days, paged by cursor ("Older"), and whether its hash chain is intact
// (GET /v1/{region}/audit and /audit/verify).
import { h, append, replace, byId } from '/assets/dom.js';
import {
  session, call, current, ACTIONS, words, whoWords, timeOf, shortHash, failureWords, status, recordMeta, detailsWords,
} from '/assets/dpo-common.js';

const PAGE = 50;
const log = { action: '', from: '', to: '', cursor: null, shown: 0 };

// "2026-11-05" -> "2026-11-05T00:00:00Z"; `next` gives the following day's
// start, so that "to" includes its day (the server's `to` is exclusive).
function dayStart(value, next = false) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return '';
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return '';
  if (next) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().replace('.000Z', 'Z');
}

function entryItem(entry) {
  return h('li', { class: 'record', 'data-seq': entry.seq, 'data-action': entry.action, tabindex: '-1' },
    h('p', { class: 'record-head' }, h('strong', {}, `#${entry.seq} ${words(ACTIONS, entry.action)}`), ' · ', timeOf(entry.time)),
    recordMeta([
      ['By', whoWords(entry.key_id)],
      entry.subject ? ['Shopper (pseudonym)', h('span', { class: 'mono' }, shortHash(entry.subject))] : null,
      entry.purpose ? ['Purpose', entry.purpose.replace(/_/g, ' ')] : null,
      ['Hash', h('span', { class: 'mono' }, shortHash(entry.hash))],
    ]),
    entry.details ? h('p', { class: 'record-details' }, detailsWords(entry.details)) : null);
}

// ---------------------------------------------------------------- verification

function renderVerification(v) {
  const box = byId('audit-verify');
  if (v instanceof Error) {
    replace(box, h('p', { class: 'notice warn', id: 'audit-badge' }, `The chain could not be checked. ${failureWords(v)}`));
    return;
  }
  const records = Number(v.records || 0).toLocaleString('en');
  const head = h('p', { class: 'head-hash' }, 'Head hash (keep a copy elsewhere to prove the log was not rewritten later): ',
    h('span', { class: 'mono', id: 'audit-head' }, v.head_hash || 'none'));
  if (v.ok) {
    replace(box, h('div', { class: 'notice ok', id: 'audit-badge' },
      h('p', {}, h('span', { class: 'badge' }, `${records} record${v.records === 1 ? '' : 's'} verified`)),
      h('p', {}, 'Every record\'s hash matches, and each one names the record before it: nothing was altered, removed or inserted.'),
      head));
    return;
  }
  replace(box, h('div', { class: 'notice error', id: 'audit-badge', role: 'alert' },
    h('p', {}, h('span', { class: 'badge bad' }, v.first_bad_seq ? `Broken at record ${v.first_bad_seq}` : 'Chain broken')),
    h('p', {}, `The audit log fails its check: ${v.problem || 'a record does not match'}. `,
      `${records} record${v.records === 1 ? '' : 's'} before it verified. Records from there on cannot be trusted: keep the data directory as it is and investigate.`),
    head));
}

async function verify(generation) {
  let result;
  try {
    result = await call('GET', '/audit/verify');
  } catch (error) {
    result = error;
  }
  if (current(generation)) renderVerification(result);
}

// ---------------------------------------------------------------- the list

async function loadEntries(more = false) {
  const generation = session.generation;
  const body = byId('audit-body');
  const older = byId('audit-older');
  body.setAttribute('aria-busy', 'true');
  older.disabled = true;
  status('audit-status', more ? 'Loading older records…' : 'Loading the audit log…');
  try {
    const page = await call('GET', '/audit', undefined, {
      action: log.action, from: log.from, to: log.to, order: 'desc', cursor: more ? log.cursor : '', limit: PAGE,
    });
    if (!current(generation)) return;
    const entries = page.entries || [];
    if (!more) {
      log.shown = 0;
      replace(body, entries.length
        ? h('ol', { class: 'records', id: 'audit-list', 'aria-label': 'Audit records, newest first' })
        : h('p', { class: 'notice', id: 'audit-empty' }, 'No audit record matches.'));
    }
    const items = entries.map(entryItem);
    if (items.length) append(byId('audit-list'), items);
    log.shown += entries.length;
    log.cursor = page.next_cursor ?? null;
    older.hidden = !log.cursor;
    status('audit-status', `${log.shown} record${log.shown === 1 ? '' : 's'} shown, newest first${log.cursor ? '; older ones follow' : ''}.`);
    if (more && items.length) items[0].focus();
  } catch (error) {
    if (!current(generation)) return;
    if (!more) replace(body);
    status('audit-status', `The audit log could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
    older.disabled = false;
  }
}

function applyFilter(event) {
  event.preventDefault();
  const from = byId('audit-from').value;
  const to = byId('audit-to').value;
  if (from && to && from > to) {
    status('audit-status', 'The first day is after the last: swap them.');
    return;
  }
  log.action = byId('audit-action').value;
  log.from = dayStart(from);
  log.to = dayStart(to, true);
  loadEntries();
}

// ---------------------------------------------------------------- the section

export function initAudit() {
  replace(byId('audit-action'), h('option', { value: '' }, 'All actions'),
    Object.entries(ACTIONS).map(([value, name]) => h('option', { value }, name)));
  byId('audit-filter').addEventListener('submit', applyFilter);
  byId('audit-older').addEventListener('click', () => loadEntries(true));
}

export function showAudit() {
  const generation = session.generation;
  return Promise.all([verify(generation), loadEntries()]);
}

export function resetAudit() {
  Object.assign(log, { action: '', from: '', to: '', cursor: null, shown: 0 });
  for (const id of ['audit-action', 'audit-from', 'audit-to']) byId(id).value = '';
  replace(byId('audit-verify'));
  replace(byId('audit-body'));
  byId('audit-older').hidden = true;
  status('audit-status', '');
}
