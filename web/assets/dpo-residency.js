// Residency and retention: where each configured region's data lives, the
// region's key-encryption key version, how long each kind of data is kept
// and when retention runs (GET /v1/{region}/residency); rotating the key
// (POST /v1/{region}/keys/rotate, scope admin) behind a confirmation.
import { h, replace, byId, facts, scrollBox } from '/assets/dom.js';
import {
  session, call, current, CATEGORIES, words, timeOf, failureWords, status, confirmAction, } from '/assets/dpo-common.js';

const BASES = {
  opt_in: 'opt-in: nothing is used until the shopper agrees',
  opt_out: 'opt-out: data is used until the shopper refuses',
};

function keptFor(days) {
  if (!days) return 'until the shopper is erased';
  const years = days / 365.25;
  const about = years >= 1 ? ` (about ${Math.round(years * 10) / 10} year${Math.round(years * 10) === 10 ? '' : 's'})` : '';
  return `${Number(days).toLocaleString('en')} days${about}`;
}

function every(minutes) {
  if (!minutes) return 'never';
  if (minutes % 1440 === 0) return minutes === 1440 ? 'every day' : `every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'every hour' : `every ${minutes / 60} hours`;
  return `every ${minutes} minutes`;
}

function regionItem(r, shown) {
  const where = r.hosted_here ? 'Hosted on this node' : 'Hosted elsewhere';
  return h('li', { class: 'record', 'data-region': r.region },
    h('p', { class: 'record-head' }, h('strong', { class: 'mono' }, r.region), ' · ', where,
      r.region === shown ? ' · shown here' : ''),
    facts([
      ['Legal basis', words(BASES, r.legal_basis)],
      ['Currency', r.currency || 'none'],
      ['Endpoint', r.endpoint ? h('span', { class: 'mono' }, r.endpoint) : (r.hosted_here ? 'this node' : 'none configured')],
    ], 'facts record-facts'));
}

function render(res) {
  const retention = res.retention || {};
  const categories = retention.categories || [];
  replace(byId('residency-body'),
    h('h3', {}, 'Where the data lives'),
    h('p', {}, 'Each region\'s data is stored only on the node that hosts it, under that region\'s own keys.'),
    h('ul', { class: 'records', id: 'residency-regions' }, (res.regions || []).map((r) => regionItem(r, res.region))),
    h('h3', {}, 'Encryption key'),
    facts([
      ['Key-encryption key version', h('span', { id: 'kek-version' }, String(res.kek_version ?? 'unknown'))],
      ['Rotation due after an erasure', res.rekey_due ? 'yes: the server rotates it soon' : 'no'],
    ]),
    h('h3', {}, 'How long data is kept'),
    scrollBox('Retention by kind of data',
      h('table', { id: 'retention-table' },
        h('caption', {}, 'Retention by kind of data'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Kind of data'), h('th', { scope: 'col' }, 'Kept for'))),
        h('tbody', {}, categories.map((c) => h('tr', { 'data-category': c.category },
          h('th', { scope: 'row' }, words(CATEGORIES, c.category)),
          h('td', {}, keptFor(c.days))))))),
    facts([
      ['Retention runs', every(retention.interval_minutes)],
      ['Last run', retention.last_run ? timeOf(retention.last_run) : 'not yet'],
      ...(typeof retention.last_deleted === 'number'
        ? [['Records deleted by the last run', retention.last_deleted.toLocaleString('en')]] : []),
      ['Next run', retention.next_run ? timeOf(retention.next_run) : 'a minute after the server starts'],
    ]));
}

async function load(generation) {
  const body = byId('residency-body');
  body.setAttribute('aria-busy', 'true');
  status('residency-status', 'Loading…');
  try {
    const res = await call('GET', '/residency');
    if (!current(generation)) return;
    render(res);
    status('residency-status', '');
  } catch (error) {
    if (!current(generation)) return;
    replace(body);
    status('residency-status', `Residency and retention could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
  }
}

async function rotate() {
  const region = session.region;
  const generation = session.generation;
  const yes = await confirmAction({
    title: `Rotate region ${region}'s encryption key?`,
    paragraphs: [
      'A new key-encryption key is made, every shopper\'s data key is re-wrapped under it, and the old key is destroyed.',
      'Shoppers\' data stays readable. Ingest waits briefly while keys are re-wrapped. The rotation is recorded in the audit log.',
    ],
    confirm: 'Rotate now',
  });
  if (!yes) {
    status('rotate-status', 'The key was not rotated.');
    return;
  }
  const button = byId('rotate-start');
  button.disabled = true;
  status('rotate-status', 'Rotating…');
  try {
    const r = await call('POST', '/keys/rotate', {});
    if (!current(generation)) return;
    status('rotate-status', `Rotated: version ${r.old_kek_version} → ${r.kek_version}, ` +
      `${Number(r.rewrapped_data_keys || 0).toLocaleString('en')} data keys re-wrapped.`);
    await load(generation);
  } catch (error) {
    if (current(generation)) status('rotate-status', `The key was not rotated. ${failureWords(error)}`);
  } finally {
    button.disabled = false;
  }
}

export function initResidency() {
  byId('rotate-start').addEventListener('click', rotate);
}

export function showResidency() {
  return load(session.generation);
}

export function resetResidency() {
  replace(byId('residency-body'));
  status('residency-status', '');
  status('rotate-status', '');
}
