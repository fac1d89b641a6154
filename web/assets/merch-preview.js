// Recommendation preview: what one shopper gets for a context, store and
// channel (GET customers/{id}/recommendations, each call audited by the
// server), beside the same request answered without their data
// (personalize=false), and, when it is not personalized, why, in words.
import { h, replace, byId } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';
import {
  CHANNELS, ID_KINDS, words, current, failureWords, status, money, regionStores, storeName, fillStoreSelect,
  addressable, markInvalid,
} from '/assets/merch-common.js';

export const WHY_NOT = {
  no_grant: 'The shopper has not allowed personalization (no personalization grant), so nothing of theirs was read: these are best sellers.',
  no_model: 'No model has been trained in this region yet, so nobody gets personal suggestions.',
  model_below_popularity: 'The live model did not beat best sellers on held-out baskets, so nobody is personalized until a training does better.',
  nothing_learned: 'The shopper allows personalization, but the model learned nothing it can use from their history (too little activity, or none).',
  not_asked: 'Asked without the shopper\'s data: best sellers and the context only.',
};

const CONTEXTS = {
  home: 'Home page',
  cart: 'Cart',
  product: 'Product page',
};

// A recommendation's reason in words.
function reasonWords(reason) {
  const text = String(reason || '');
  const [kind, about] = [text.split(':', 1)[0], text.includes(':') ? text.slice(text.indexOf(':') + 1) : ''];
  switch (kind) {
    case 'bought_before': return 'Bought before';
    case 'viewed_before': return 'Looked at before, not bought';
    case 'similar_to': return `Similar to ${about}`;
    case 'bought_with': return `Often bought with ${about}`;
    case 'popular_in_store': return 'Popular in this store';
    case 'trending': return 'Trending in the region';
    default: return text || 'No reason given';
  }
}

function fulfilmentWords(option) {
  const text = String(option || '');
  if (text === 'in_store') return 'in the store';
  if (text === 'ship_to_home') return 'delivered home';
  if (text.startsWith('pickup_at:')) return `pick up at ${storeName(text.slice('pickup_at:'.length))}`;
  return text;
}

function list(result, id) {
  const items = Array.isArray(result.items) ? result.items : [];
  if (!items.length) return h('p', { id }, 'No product to suggest for this request.');
  return h('ol', { class: 'recs preview-list', id }, items.map((item) => h('li', {},
    h('strong', { class: 'rec-title' }, typeof item.title === 'string' && item.title.trim() ? item.title : item.product_id),
    ' ', h('span', { class: 'mono hint' }, item.product_id),
    h('span', { class: 'why' }, `Why: ${reasonWords(item.reason)}`),
    h('span', { class: 'why' }, `Price: ${money(item.price)} · `,
      (item.fulfilment || []).length ? `Can be had: ${(item.fulfilment || []).map(fulfilmentWords).join(', ')}` : 'Not available to get now'))));
}

function column(title, result, which) {
  const personalized = result.personalized === true;
  const why = result.why_not_personalized;
  return h('section', { class: 'preview-column', 'aria-labelledby': `preview-${which}-title`, 'data-personalized': String(personalized) },
    h('h3', { id: `preview-${which}-title` }, title),
    h('p', {}, personalized
      ? h('span', { class: 'badge', id: `preview-${which}-badge` }, 'Personalized')
      : h('span', { class: 'badge neutral', id: `preview-${which}-badge` }, 'Not personalized')),
    !personalized ? h('p', { class: 'why-not', id: `preview-${which}-why` },
      why ? words(WHY_NOT, why) : 'The server gave no reason.') : null,
    result.model_version !== undefined ? h('p', { class: 'hint' }, `Model version ${result.model_version}.`) : null,
    list(result, `preview-${which}-items`));
}

function request() {
  const kind = byId('preview-kind').value;
  const idField = byId('preview-id');
  const id = idField.value.trim();
  const context = byId('preview-context').value;
  const productField = byId('preview-product');
  const product = productField.value.trim();
  const store = byId('preview-store').value;
  const channel = byId('preview-channel').value;
  for (const field of [idField, productField, byId('preview-store')]) markInvalid(field, false);
  if (!id) return { problem: 'Give the shopper\'s id first.', field: idField };
  if (!addressable(id)) return { problem: 'This id cannot be used in an address (a browser rewrites “.” and “..”).', field: idField };
  if (context === 'product' && !product) return { problem: 'A product page needs the product\'s id.', field: productField };
  if (channel === 'store' && !store) return { problem: 'In store, choose the store.', field: byId('preview-store') };
  const query = { id_kind: kind, context, channel, k: 10 };
  if (context === 'product') query.product_id = product;
  if (store) query.store_id = store;
  return { id, query };
}

const PARAM_FIELDS = { id_kind: 'preview-kind', context: 'preview-context', product_id: 'preview-product', store_id: 'preview-store', channel: 'preview-channel' };

async function preview(event) {
  event.preventDefault();
  const generation = staff.generation;
  const { id, query, problem, field } = request();
  const result = byId('preview-result');
  if (problem) {
    markInvalid(field, true);
    replace(result);
    status('preview-status', problem);
    field.focus();
    return;
  }
  status('preview-status', 'Asking for both lists…');
  result.setAttribute('aria-busy', 'true');
  const path = `/customers/${encodeURIComponent(id)}/recommendations`;
  try {
    const [personal, plain] = await Promise.all([
      call('GET', path, undefined, query),
      call('GET', path, undefined, { ...query, personalize: 'false' }),
    ]);
    if (!current(generation)) return;
    replace(result,
      h('p', {}, `${words(ID_KINDS, query.id_kind)} `, h('span', { class: 'mono' }, id), `, ${words(CONTEXTS, query.context).toLowerCase()}`,
        query.product_id ? [' of ', h('span', { class: 'mono' }, query.product_id)] : '',
        `, ${words(CHANNELS, query.channel).toLowerCase()}`, query.store_id ? `, store ${storeName(query.store_id)}` : '', '.'),
      h('div', { class: 'preview-columns' },
        column('What this shopper gets', personal, 'personal'),
        column('Without their data', plain, 'plain')));
    status('preview-status', personal.personalized ? 'Both lists are shown: the shopper\'s is personalized.'
      : 'Both lists are shown: the shopper\'s is not personalized.');
  } catch (error) {
    if (!current(generation)) return;
    replace(result);
    if (error instanceof ApiError && error.status === 400 && PARAM_FIELDS[error.field]) markInvalid(byId(PARAM_FIELDS[error.field]), true);
    status('preview-status', `No preview. ${failureWords(error)}`);
  } finally {
    result.removeAttribute('aria-busy');
  }
}

function contextChanged() {
  byId('preview-product-field').hidden = byId('preview-context').value !== 'product';
}

let started = false;

export function initPreview() {
  byId('preview-kind').replaceChildren(...Object.entries(ID_KINDS).map(([k, name]) => h('option', { value: k }, name)));
  byId('preview-context').replaceChildren(...Object.entries(CONTEXTS).map(([k, name]) => h('option', { value: k }, name)));
  byId('preview-channel').replaceChildren(...Object.entries(CHANNELS).map(([k, name]) => h('option', { value: k }, name)));
  byId('preview-context').addEventListener('change', contextChanged);
  byId('preview-form').addEventListener('submit', preview);
  contextChanged();
}

export async function showPreview() {
  if (started) return;
  started = true;
  const generation = staff.generation;
  try {
    const stores = await regionStores();
    if (!current(generation)) return;
    fillStoreSelect(byId('preview-store'), 'No store', stores);
  } catch (error) {
    if (!current(generation)) return;
    status('preview-status', `The stores could not be loaded. ${failureWords(error)}`);
  }
}

export function resetPreview() {
  started = false;
  replace(byId('preview-result'));
  byId('preview-id').value = '';
  byId('preview-product').value = '';
  byId('preview-store').replaceChildren(h('option', { value: '' }, 'No store'));
  for (const id of ['preview-id', 'preview-product', 'preview-store']) markInvalid(byId(id), false);
  status('preview-status', '');
}
