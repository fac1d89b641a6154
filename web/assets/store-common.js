// What the store associate's page's parts share: whether an answer may
// still be shown, words for the API's names (purposes, reasons, why a list
// is not personalized, fulfilment), amounts, times, failures, and the
// names of the region's stores. The session itself is staff.js's.
import { h } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';

// Whether an answer asked for at `generation` may still be shown: the
// session that asked is still the open one.
export function current(generation) {
  return staff.token !== null && staff.generation === generation;
}

// ---------------------------------------------------------------- words

// The purposes as the associate explains them to the shopper.
export const PURPOSES = [
  { key: 'personalization', name: 'Personal recommendations', what: 'suggestions, cart and regular buys from their history' },
  { key: 'marketing', name: 'Marketing messages', what: 'offers and reminders' },
  { key: 'analytics', name: 'Shop statistics', what: 'counting anonymously in the shop\'s statistics' },
  { key: 'model_improvement', name: 'Better suggestions for everyone', what: 'helping train the suggestion system' },
];

export const CATEGORIES = {
  browsing: 'browsing',
  purchases: 'purchases',
  location: 'store visits',
  social: 'social media',
  contact: 'contact details',
  financial: 'payment details',
};

export const ID_KINDS = { customer: 'customer account', anonymous: 'device', loyalty: 'loyalty card' };

export function words(table, key) {
  return Object.hasOwn(table, key) ? table[key] : String(key ?? 'unknown');
}

// A purpose's state in words: "Allowed: they said yes" and the like.
export function purposeState(purpose, legalBasis) {
  const p = purpose || { allowed: false, decision: 'none' };
  const decided = p.decision === 'granted' ? 'they said yes'
    : p.decision === 'denied' || p.decision === 'refused' ? 'they said no'
      : legalBasis === 'opt_out' ? 'they have not refused' : 'they have not said yes';
  return `${p.allowed ? 'Allowed' : 'Not allowed'}: ${decided}`;
}

// Why a recommendation is listed, as the associate can say it.
export function reasonWords(reason, titleOf = (id) => id) {
  const [kind, related] = String(reason || '').split(/:(.*)/s);
  switch (kind) {
    case 'bought_before': return 'They bought it before.';
    case 'viewed_before': return 'They looked at it before.';
    case 'similar_to': return `Like ${titleOf(related)}, which they looked at or bought.`;
    case 'bought_with': return `Often bought with ${titleOf(related)}, which they bought.`;
    case 'popular_in_store': return 'Sells well in this store (none of their data used).';
    case 'trending': return 'Popular in the region now (none of their data used).';
    default: return 'Chosen by the suggestion system.';
  }
}

// Why a list is not personalized (the server's why_not_personalized).
export function whyNotWords(why) {
  switch (why) {
    case 'no_grant': return 'The shopper has not allowed personal recommendations, so these are this store\'s best sellers: none of their data was read. Their cart and regular buys are not shown either.';
    case 'no_model': return 'The suggestion system has not learned anything yet, so these are this store\'s best sellers.';
    case 'model_below_popularity': return 'The suggestion system does not yet do better than best sellers, so these are this store\'s best sellers.';
    case 'nothing_learned': return 'The suggestion system knows nothing about this shopper yet, so these are this store\'s best sellers.';
    case 'not_asked': return 'These are this store\'s best sellers, without the shopper\'s data.';
    default: return 'These are this store\'s best sellers: none of the shopper\'s data was used.';
  }
}

// Where an item can be had: in_store, pickup_at:<store>, ship_to_home.
export function fulfilmentWords(options) {
  const list = Array.isArray(options) ? options : [];
  const said = list.map((o) => {
    const [kind, store] = String(o).split(/:(.*)/s);
    if (kind === 'in_store') return 'on the shelf here';
    if (kind === 'pickup_at') return store === staff.claims?.storeId ? 'pick-up here' : `pick-up at ${storeName(store)}`;
    if (kind === 'ship_to_home') return 'delivered to their home';
    return kind;
  });
  return said.length ? said.join(', ') : 'not available now';
}

export { failureWords } from '/assets/staff-page.js';

// ---------------------------------------------------------------- numbers and times

export function count(n) {
  return Number(n ?? 0).toLocaleString('en');
}

export function money(n, currency) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  const amount = Number(n).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${amount} ${currency}` : amount;
}

// Time left until `iso` (or a Unix time in ms) in words: "14 minutes".
export function timeLeft(untilMs) {
  const left = untilMs - Date.now();
  if (left <= 0) return 'no time';
  if (left < 60_000) return 'less than a minute';
  const minutes = Math.ceil(left / 60_000);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

// A day or a time of the API ("2026-12-04", "2026-12-04T13:55:25Z") as a <time>.
export function timeOf(iso, { day = false } = {}) {
  if (!iso) return h('span', {}, 'unknown');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso));
  const text = new Intl.DateTimeFormat('en', day || /^\d{4}-\d{2}-\d{2}$/.test(iso)
    ? { dateStyle: 'medium', timeZone: 'UTC' } : { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  return h('time', { datetime: iso }, text);
}

// ---------------------------------------------------------------- the region's stores

const stores = new Map();  // id -> name, for the session's generation
let storesGeneration = -1;

// A store's name ("Two (s2)"), from what was loaded; its id until then.
export function storeName(id) {
  if (storesGeneration === staff.generation && stores.has(id)) {
    const name = stores.get(id);
    return name && name !== id ? `${name} (${id})` : id;
  }
  return String(id);
}

// Loads the names of `ids` (GET stores/{id}), once a session each;
// a store the server does not answer keeps its id.
export async function loadStoreNames(ids) {
  if (storesGeneration !== staff.generation) {
    stores.clear();
    storesGeneration = staff.generation;
  }
  const generation = staff.generation;
  const missing = [...new Set(ids)].filter((id) => id && !stores.has(id));
  await Promise.all(missing.map(async (id) => {
    try {
      const store = await call('GET', `/stores/${encodeURIComponent(id)}`);
      if (generation === staff.generation) stores.set(id, typeof store?.name === 'string' ? store.name : id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
      if (generation === staff.generation) stores.set(id, id);
    }
  }));
}

export function forgetStores() {
  stores.clear();
  storesGeneration = -1;
}

// ---------------------------------------------------------------- layout


// Marks a form field as wrong (aria-invalid) or right again.
export function markInvalid(field, invalid) {
  if (invalid) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

// A product's title, or its id when the catalog has none.
export function productLabel(item) {
  const title = typeof item?.title === 'string' && item.title.trim() ? item.title : '';
  return title || `Product ${item?.product_id ?? item?.id ?? ''}`;
}
