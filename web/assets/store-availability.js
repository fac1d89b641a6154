// Finding a product for a shopper: a search by id or title (GET
// products/search), then for the chosen product where it is in stock (GET
// products/{id}/availability: here, the nearest stores with their
// distance, online, pick-up, what this store has instead) and its price in
// this store (GET products/{id}/price?channel=store). The session's store
// is the server's: the associate's requests name no other.
import { h, replace, byId, facts } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';
import { count, current, failureWords, loadStoreNames, money, productLabel, storeName, timeOf } from '/assets/store-common.js';

let searching = false;
let choice = 0;  // the latest product asked for: older answers are dropped

const path = (id, rest = '') => `/products/${encodeURIComponent(id)}${rest}`;

// ---------------------------------------------------------------- search

async function search(event) {
  event.preventDefault();
  if (searching || !staff.token) return;
  const input = byId('search-input');
  const q = input.value.trim();
  const status = byId('search-status');
  const list = byId('search-results');
  if (!q) {
    status.textContent = 'Type a product id, or a part of its title.';
    input.focus();
    return;
  }
  searching = true;
  status.textContent = 'Searching…';
  const generation = staff.generation;
  try {
    const answer = await call('GET', '/products/search', undefined, { q, limit: 20 });
    if (!current(generation)) return;
    const products = Array.isArray(answer?.products) ? answer.products : [];
    if (!products.length) {
      replace(list);
      list.hidden = true;
      status.textContent = `No product's id or title matches “${q}”.`;
      return;
    }
    replace(list, products.map((p) => {
      const button = h('button', { type: 'button', class: 'secondary result', 'data-product': p.id },
        h('span', { class: 'result-title' }, productLabel(p)),
        h('span', { class: 'result-meta' }, h('span', { class: 'mono' }, p.id), ` · list price ${money(p.price)}`));
      button.addEventListener('click', () => choose(p.id, p));
      return h('li', { class: 'record' }, button);
    }));
    list.hidden = false;
    status.textContent = `${products.length === 1 ? 'One product matches' : `${count(products.length)} products match`} “${q}”${answer.more ? ', and more beyond these: type more of the id or title to narrow the list' : ''}. Choose one to see where it is in stock.`;
  } catch (error) {
    if (!current(generation)) return;
    status.textContent = error instanceof ApiError && error.status === 400 && error.field === 'q'
      ? 'Type between 1 and 100 characters of a product id or title.'
      : `The search failed. ${failureWords(error)}`;
  } finally {
    searching = false;
  }
}

// ---------------------------------------------------------------- a product

function markChosen(id) {
  for (const button of byId('search-results').querySelectorAll('button[data-product]')) {
    if (button.dataset.product === id) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
}

async function choose(id, known) {
  if (!staff.token) return;
  const mine = ++choice;
  const generation = staff.generation;
  const box = byId('product');
  markChosen(id);
  replace(byId('product-title'), known ? productLabel(known) : `Product ${id}`);
  replace(byId('product-body'));
  byId('product-status').textContent = 'Looking it up…';
  box.hidden = false;
  byId('product-title').focus();
  const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));
  const [availability, price, product] = await Promise.all([
    settle(call('GET', path(id, '/availability'))),
    settle(call('GET', path(id, '/price'), undefined, { channel: 'store' })),
    known ? Promise.resolve({ value: known }) : settle(call('GET', path(id))),
  ]);
  if (!current(generation) || mine !== choice) return;
  const failed = [availability, price, product].find((r) => r.error);
  if (failed && failed.error instanceof ApiError && failed.error.status === 404) {
    byId('product-status').textContent = `The catalog no longer holds product ${id}.`;
    return;
  }
  if (availability.error) {
    byId('product-status').textContent = `Its stock could not be read. ${failureWords(availability.error)}`;
    return;
  }
  const a = availability.value || {};
  const nearest = Array.isArray(a.nearest) ? a.nearest : [];
  const pickup = Array.isArray(a.pickup) ? a.pickup : [];
  const substitutes = Array.isArray(a.substitutes) ? a.substitutes : [];
  // Names of the stores, titles of the substitutes (GET products/{id}).
  const [, titles] = await Promise.all([
    settle(loadStoreNames([...nearest, ...pickup].map((s) => s.store_id))),
    Promise.all(substitutes.map((s) => settle(call('GET', path(s.product_id))))),
  ]);
  if (!current(generation) || mine !== choice) return;
  if (product.value) replace(byId('product-title'), productLabel(product.value), ' ', h('span', { class: 'mono product-id' }, `(${id})`));
  byId('product-status').textContent = '';
  renderProduct(id, a, price, substitutes.map((s, i) => ({ ...s, title: titles[i].value ? titles[i].value.title : '' })));
}

function priceFacts(price) {
  if (price.error) return [['Price here', `not known: ${failureWords(price.error)}`]];
  const p = price.value || {};
  const pairs = [['Price here', h('strong', { class: 'store-price' }, money(p.price))]];
  if (p.list_price !== undefined && Number(p.list_price) !== Number(p.price)) {
    pairs.push(['List price', money(p.list_price)]);
    if (p.since) pairs.push(['This store\'s price since', timeOf(p.since, { day: true })]);
  }
  return pairs;
}

function renderProduct(id, a, price, substitutes) {
  const here = a.store || {};
  const hereCount = Number(here.quantity || 0);
  const nearest = Array.isArray(a.nearest) ? a.nearest : [];
  const pickup = Array.isArray(a.pickup) ? a.pickup : [];
  const online = a.online || {};
  const mine = staff.claims.storeId;
  const substituteList = substitutes.length
    ? h('ul', { class: 'records', id: 'product-substitutes' }, substitutes.map((s) => {
      const button = h('button', { type: 'button', class: 'secondary result', 'data-product': s.product_id },
        h('span', { class: 'result-title' }, productLabel(s)),
        h('span', { class: 'result-meta' }, h('span', { class: 'mono' }, s.product_id)));
      button.addEventListener('click', () => {
        markChosen(s.product_id);
        choose(s.product_id, null);
      });
      return h('li', { class: 'record' }, button);
    }))
    : h('p', { id: 'product-substitutes' }, 'Nothing similar is in stock here.');
  replace(byId('product-body'),
    facts([
      ...priceFacts(price),
      ['In stock here', h('strong', { id: 'product-here' }, hereCount > 0 ? `${count(hereCount)}` : 'none')],
      ['Online', h('span', { id: 'product-online' }, Number(online.quantity || 0) > 0
        ? `${count(online.quantity)} in stock${online.ship_to_home ? ', delivered to the shopper\'s home' : ''}`
        : 'none in stock')],
    ], 'facts record-facts'),
    h('h4', {}, 'Nearest stores with stock'),
    nearest.length
      ? h('ul', { class: 'records', id: 'product-nearest' }, nearest.map((s) => h('li', { class: 'record' },
        h('strong', {}, storeName(s.store_id)), `: ${count(s.quantity)} in stock, `,
        Number.isFinite(Number(s.distance_km)) ? `${Number(s.distance_km).toLocaleString('en', { maximumFractionDigits: 1 })} km away` : 'distance not known')))
      : h('p', { id: 'product-nearest' }, 'No other store near here has it.'),
    h('h4', {}, 'Pick-up'),
    pickup.length
      ? h('p', { id: 'product-pickup' }, 'The shopper can order it to collect at: ',
        pickup.map((s, i) => [i ? ', ' : '', s.store_id === mine ? 'this store' : storeName(s.store_id)]), '.')
      : h('p', { id: 'product-pickup' }, 'No store can take a pick-up order for it now.'),
    h('h4', {}, hereCount > 0 ? 'Also in stock here' : 'In stock here instead'),
    substituteList);
}

// ---------------------------------------------------------------- start and end

export function initAvailability() {
  byId('search-form').addEventListener('submit', search);
}

// The session ended: the search and the product are forgotten.
export function resetAvailability() {
  choice += 1;
  searching = false;
  byId('search-input').value = '';
  byId('search-status').textContent = '';
  replace(byId('search-results'));
  byId('search-results').hidden = true;
  replace(byId('product-title'));
  replace(byId('product-body'));
  byId('product-status').textContent = '';
  byId('product').hidden = true;
}
