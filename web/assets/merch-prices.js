// One price: every product whose price differs between channels or stores
// now (GET price-consistency), as a table sorted by any column (buttons in
// the column headers, aria-sort on the sorted one) and filtered by store
// and product.
import { h, replace, byId, scrollBox } from '/assets/dom.js';
import { staff, call } from '/assets/staff.js';
import {
  CHANNELS, words, current, failureWords, status, count, money, regionStores, storeName, fillStoreSelect,
  } from '/assets/merch-common.js';

const COLUMNS = [
  { key: 'product', label: 'Product', value: (p) => String(p.product_id || ''), text: true },
  { key: 'list', label: 'List price', value: (p) => Number(p.list_price) },
  { key: 'min', label: 'Lowest', value: (p) => Number(p.min_price) },
  { key: 'max', label: 'Highest', value: (p) => Number(p.max_price) },
  { key: 'difference', label: 'Difference', value: (p) => Number(p.difference) },
  { key: 'since', label: 'Since', value: (p) => String(p.since || ''), text: true },
];

const state = {
  products: [],              // the answer's products
  sort: { key: 'difference', descending: true },
};

function priceWhere(price) {
  const channel = words(CHANNELS, price.channel);
  if (price.store_id) return `${channel}: ${storeName(price.store_id)}`;
  return price.channel === 'store' ? `${channel}: every other store` : channel;
}

function filtered() {
  const store = byId('prices-store').value;
  const needle = byId('prices-product').value.trim().toLowerCase();
  return state.products.filter((p) => {
    if (needle && !String(p.product_id || '').toLowerCase().includes(needle)) return false;
    if (store && !(p.prices || []).some((price) => price.store_id === store)) return false;
    return true;
  });
}

function sorted(list) {
  const column = COLUMNS.find((c) => c.key === state.sort.key) || COLUMNS[4];
  const direction = state.sort.descending ? -1 : 1;
  return [...list].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const order = column.text ? x.localeCompare(y) : (Number.isFinite(x) ? x : -Infinity) - (Number.isFinite(y) ? y : -Infinity);
    return order * direction || String(a.product_id).localeCompare(String(b.product_id));
  });
}

function headerCell(column) {
  const sortedHere = state.sort.key === column.key;
  const button = h('button', { type: 'button', class: 'sort', 'data-sort': column.key },
    column.label,
    sortedHere ? h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, state.sort.descending ? ' ▼' : ' ▲') : null);
  button.addEventListener('click', () => {
    if (state.sort.key === column.key) state.sort.descending = !state.sort.descending;
    else state.sort = { key: column.key, descending: !column.text };
    render();
    const again = document.querySelector(`#prices-table button[data-sort="${column.key}"]`);
    if (again) again.focus();
  });
  return h('th', {
    scope: 'col',
    class: column.text ? 'sortable' : 'sortable num',
    'aria-sort': sortedHere ? (state.sort.descending ? 'descending' : 'ascending') : null,
  }, button);
}

function render() {
  const body = byId('prices-body');
  if (!state.products.length) {
    replace(body, h('p', { class: 'notice ok', id: 'prices-none' }, 'Every product has one price everywhere: no channel or store differs.'));
    return;
  }
  const shown = sorted(filtered());
  const column = COLUMNS.find((c) => c.key === state.sort.key);
  const order = column.key === 'product' ? (state.sort.descending ? 'Z to A' : 'A to Z')
    : column.key === 'since' ? (state.sort.descending ? 'newest first' : 'oldest first')
      : (state.sort.descending ? 'highest first' : 'lowest first');
  const caption = `Products whose price differs, sorted by ${column.label.toLowerCase()}, ${order}`;
  replace(body,
    h('p', { id: 'prices-count' }, shown.length === state.products.length
      ? `${count(shown.length)} product${shown.length === 1 ? '' : 's'} with different prices.`
      : `${count(shown.length)} of ${count(state.products.length)} products with different prices match the filter.`),
    scrollBox('Products whose price differs', h('table', { id: 'prices-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, COLUMNS.map(headerCell), h('th', { scope: 'col' }, 'Price in each channel and store'))),
      h('tbody', {}, shown.map((p) => h('tr', { 'data-product': p.product_id },
        h('th', { scope: 'row', class: 'mono' }, String(p.product_id)),
        h('td', { class: 'num' }, money(p.list_price)),
        h('td', { class: 'num' }, money(p.min_price)),
        h('td', { class: 'num' }, money(p.max_price)),
        h('td', { class: 'num', 'data-difference': '' }, money(p.difference)),
        h('td', {}, p.since ? h('time', { datetime: p.since }, String(p.since).slice(0, 10)) : 'always'),
        h('td', {}, h('ul', { class: 'price-list' }, (p.prices || []).map((price) => h('li', {},
          `${priceWhere(price)}: `, h('strong', {}, money(price.price)),
          price.price_rule ? [' (rule ', h('span', { class: 'mono' }, price.price_rule), ')'] : ''))))))))),
    shown.length ? null : h('p', { id: 'prices-empty' }, 'No product matches the filter.'));
}

let started = false;

export function initPrices() {
  const form = byId('prices-filter');
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('input', () => {
    if (state.products.length) render();
  });
  form.addEventListener('change', () => {
    if (state.products.length) render();
  });
}

export async function showPrices() {
  const generation = staff.generation;
  const body = byId('prices-body');
  body.setAttribute('aria-busy', 'true');
  status('prices-status', 'Loading the prices…');
  try {
    const [answer, stores] = await Promise.all([
      call('GET', '/price-consistency'),
      started ? Promise.resolve(null) : regionStores().catch(() => []),
    ]);
    if (!current(generation)) return;
    if (stores) fillStoreSelect(byId('prices-store'), 'Every store', stores);
    started = true;
    state.products = Array.isArray(answer?.products) ? answer.products : [];
    render();
    status('prices-status', '');
  } catch (error) {
    if (!current(generation)) return;
    replace(body);
    status('prices-status', `The prices could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
  }
}

export function resetPrices() {
  started = false;
  state.products = [];
  state.sort = { key: 'difference', descending: true };
  replace(byId('prices-body'));
  byId('prices-store').replaceChildren(h('option', { value: '' }, 'Every store'));
  byId('prices-product').value = '';
  status('prices-status', '');
}
