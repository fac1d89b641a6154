// Requests: the exports and erasures answered (GET /v1/{region}/requests,
// newest first, paged by cursor; a search by customer id is itself
// audited by the server), and answering one: an export downloaded as JSON
// or an erasure, each behind a confirmation.
import { h, append, replace, byId, facts } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import {
  session, call, current, ACTIONS, words, whoWords, timeOf, shortHash, failureWords, status, confirmAction,
  downloadJson, fileSafe, recordMeta, detailsWords, addressable, UNADDRESSABLE,
} from '/assets/dpo-common.js';

const PAGE = 50;
const list = { customer: '', action: '', cursor: null, shown: 0 };

function requestItem(entry) {
  return h('li', { class: 'record', 'data-seq': entry.seq, 'data-action': entry.action, tabindex: '-1' },
    h('p', { class: 'record-head' }, h('strong', {}, words(ACTIONS, entry.action)), ' · ', timeOf(entry.time)),
    recordMeta([
      ['By', whoWords(entry.key_id)],
      ['Shopper (pseudonym)', h('span', { class: 'mono' }, shortHash(entry.subject) || 'none')],
    ]),
    h('p', { class: 'record-details' }, 'Receipt: ', detailsWords(entry.details), ' · audit record ',
      h('span', { class: 'mono' }, `#${entry.seq}, hash ${shortHash(entry.hash)}`)));
}

// ---------------------------------------------------------------- the list

async function loadRequests(more = false) {
  const generation = session.generation;
  const body = byId('requests-body');
  const moreButton = byId('requests-more');
  body.setAttribute('aria-busy', 'true');
  moreButton.disabled = true;
  status('requests-status', more ? 'Loading more requests…' : 'Loading the requests…');
  try {
    const page = await call('GET', '/requests', undefined, {
      customer_id: list.customer, action: list.action, cursor: more ? list.cursor : '', limit: PAGE,
    });
    if (!current(generation)) return;
    const entries = page.requests || [];
    const who = list.customer ? ` for customer “${list.customer}”` : '';
    if (!more) {
      list.shown = 0;
      replace(body, entries.length
        ? h('ol', { class: 'records', id: 'requests-list', 'aria-label': `Requests${who}, newest first` })
        : h('p', { class: 'notice', id: 'requests-empty' },
          list.customer ? `No export or erasure is recorded for customer “${list.customer}”.`
            : 'No export or erasure has been recorded in this region yet.'));
    }
    const items = entries.map(requestItem);
    if (items.length) append(byId('requests-list'), items);
    list.shown += entries.length;
    list.cursor = page.next_cursor ?? null;
    moreButton.hidden = !list.cursor;
    status('requests-status', `${list.shown} request${list.shown === 1 ? '' : 's'} shown${who}${list.cursor ? '; more are older' : ''}.`);
    if (more && items.length) items[0].focus();
  } catch (error) {
    if (!current(generation)) return;
    if (!more) replace(body);
    status('requests-status', `The requests could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
    moreButton.disabled = false;
  }
}

function search(event) {
  event.preventDefault();
  const input = byId('requests-customer');
  const customer = input.value.trim();
  if (!addressable(customer)) {
    input.setAttribute('aria-invalid', 'true');
    status('requests-status', UNADDRESSABLE);
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  list.customer = customer;
  list.action = byId('requests-action').value;
  loadRequests();
}

function showAll() {
  byId('requests-customer').value = '';
  byId('requests-customer').removeAttribute('aria-invalid');
  byId('requests-action').value = '';
  list.customer = '';
  list.action = '';
  loadRequests();
}

// ---------------------------------------------------------------- answering

function customerId() {
  const input = byId('act-customer');
  const id = input.value.trim();
  if (!id || !addressable(id)) {
    input.setAttribute('aria-invalid', 'true');
    status('act-status', id ? UNADDRESSABLE : 'Type the shopper\'s customer id first.');
    input.focus();
    return '';
  }
  input.removeAttribute('aria-invalid');
  return id;
}

const shopperRoute = (id) => `/customers/${encodeURIComponent(id)}`;

async function exportData() {
  const id = customerId();
  if (!id) return;
  const region = session.region;
  const yes = await confirmAction({
    title: 'Export this shopper\'s data?',
    paragraphs: [
      h('p', {}, 'Customer ', h('strong', { class: 'mono' }, id), ` in region ${region}.`),
      'The file holds everything held about the shopper. Keep it safe and give it only to them, by a safe channel.',
      'The export is recorded in the audit log.',
    ],
    confirm: 'Download the export',
  });
  if (!yes) {
    status('act-status', 'Nothing was exported.');
    return;
  }
  const button = byId('act-export');
  button.disabled = true;
  status('act-status', 'Preparing the export…');
  try {
    const doc = await call('GET', `${shopperRoute(id)}/data`, undefined, { id_kind: 'customer' });
    const day = new Date().toISOString().slice(0, 10);
    downloadJson(doc, `export-${region}-${fileSafe(id)}-${day}.json`);
    status('act-status', `The export of customer “${id}” is downloading.`);
    if (!byId('section-requests').hidden) loadRequests();
  } catch (error) {
    status('act-status', error instanceof ApiError && error.status === 404
      ? `Nothing is held for customer “${id}”: there is nothing to export.`
      : `The export failed. ${failureWords(error)}`);
  } finally {
    button.disabled = false;
  }
}

async function erase() {
  const id = customerId();
  if (!id) return;
  const region = session.region;
  const yes = await confirmAction({
    title: 'Erase this shopper\'s data?',
    paragraphs: [
      h('p', {}, 'Customer ', h('strong', { class: 'mono' }, id), ` in region ${region}.`),
      h('ul', {},
        h('li', {}, 'their activity, identifiers, consent records and data keys are deleted at once and cannot be brought back;'),
        h('li', {}, 'a refusal they gave is kept, with nothing that says who they are, so that it is still respected;'),
        h('li', {}, 'the erasure is recorded in the audit log.')),
    ],
    confirm: 'Erase everything',
    danger: true,
  });
  if (!yes) {
    status('act-status', 'Nothing was erased.');
    return;
  }
  const button = byId('act-erase');
  button.disabled = true;
  status('act-status', 'Erasing…');
  try {
    const receipt = await call('DELETE', shopperRoute(id), undefined, { id_kind: 'customer' });
    showReceipt(id, receipt);
    status('act-status', receipt?.erased === false ? `Nothing was held for customer “${id}”.` : `Customer “${id}” is erased.`);
    if (!byId('section-requests').hidden) loadRequests();
  } catch (error) {
    status('act-status', `Nothing was erased. ${failureWords(error)}`);
  } finally {
    button.disabled = false;
  }
}

function showReceipt(id, receipt) {
  const box = byId('act-receipt');
  const deleted = receipt?.deleted || {};
  const kept = receipt?.kept?.refusals || [];
  const title = h('h4', { id: 'receipt-title', tabindex: '-1' }, 'Receipt of the erasure');
  const rows = [
    ['Customer', h('span', { class: 'mono' }, id)],
    ['Erased at', timeOf(receipt?.at)],
  ];
  if (receipt?.erased === false) {
    rows.push(['Result', receipt.note || 'nothing was held for this identifier']);
  } else {
    rows.push(
      ['Activity records deleted', Number(deleted.events || 0).toLocaleString('en')],
      ['Consent records deleted', Number(deleted.consent_records || 0).toLocaleString('en')],
      ['Identifiers deleted', Number(deleted.identifiers || 0).toLocaleString('en')],
      ['Data keys destroyed', Number(receipt?.data_keys_destroyed || 0).toLocaleString('en')],
      ['Refusals kept', kept.length ? kept.map((k) => (k === 'gpc' ? 'Global Privacy Control' : k.replace(/_/g, ' '))).join(', ') : 'none'],
    );
  }
  replace(box, title, facts(rows, 'facts receipt'),
    receipt?.kept?.why ? h('p', { class: 'hint' }, `What is kept, and why: ${receipt.kept.why}.`) : null);
  box.hidden = false;
  title.focus();
}

// ---------------------------------------------------------------- the section

export function initRequests() {
  byId('requests-search').addEventListener('submit', search);
  byId('requests-all').addEventListener('click', showAll);
  byId('requests-more').addEventListener('click', () => loadRequests(true));
  byId('act-form').addEventListener('submit', (event) => event.preventDefault());
  byId('act-export').addEventListener('click', exportData);
  byId('act-erase').addEventListener('click', erase);
}

export function showRequests() {
  return loadRequests();
}

export function resetRequests() {
  Object.assign(list, { customer: '', action: '', cursor: null, shown: 0 });
  for (const id of ['requests-customer', 'act-customer']) {
    byId(id).value = '';
    byId(id).removeAttribute('aria-invalid');
  }
  byId('requests-action').value = '';
  replace(byId('requests-body'));
  replace(byId('act-receipt'));
  byId('act-receipt').hidden = true;
  byId('requests-more').hidden = true;
  status('requests-status', '');
  status('act-status', '');
}
