// What the merchandiser's console's sections share: words for the API's
// names, numbers, dates, failures, the region's stores, and small pieces
// of layout. The session itself is staff.js's.
import { h, byId } from '/assets/dom.js';
import { staff, callNdjson } from '/assets/staff.js';

// Whether an answer asked for at `generation` may still be shown.
export function current(generation) {
  return staff.token !== null && staff.generation === generation;
}

// ---------------------------------------------------------------- words

export const CHANNELS = {
  web: 'Website',
  app: 'App',
  store: 'In store',
  call_center: 'Call centre',
};

export const ID_KINDS = {
  customer: 'Customer id',
  loyalty: 'Loyalty card',
  anonymous: 'Anonymous (device) id',
};

export function words(table, key) {
  return Object.hasOwn(table, key) ? table[key] : String(key ?? 'unknown');
}

export { failureWords } from '/assets/staff-page.js';

// Sets a section's status line (a role="status" region).
export function status(id, text) {
  byId(id).textContent = text;
}

// ---------------------------------------------------------------- numbers and dates

export function count(n) {
  return Number(n ?? 0).toLocaleString('en');
}

export function money(n) {
  return n === null || n === undefined || !Number.isFinite(Number(n)) ? '—'
    : Number(n).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// A privacy cost (rho), as the server writes it ("0.01").
export function rho(n) {
  const v = Number(n ?? 0);
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(n);
}

// "2026-12-04T13:55:25Z" as a <time>: "2026-12-04 13:55 UTC".
export function timeOf(iso, { seconds = false } = {}) {
  if (!iso) return h('span', {}, 'never');
  const text = String(iso).replace('T', ' ').replace(/(\.\d+)?Z$/, '').slice(0, seconds ? 19 : 16);
  return h('time', { datetime: iso }, `${text} UTC`);
}

export function duration(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// A UTC day as YYYY-MM-DD.
export function dayOf(date) {
  return date.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- the region's stores

let stores = null;          // [{id, name}] once loaded, for the session's generation
let storesGeneration = -1;
let storesLoading = null;

// The region's stores (GET catalog/export?kind=stores, NDJSON), loaded
// once a session.
export async function regionStores() {
  if (stores && storesGeneration === staff.generation) return stores;
  if (storesLoading && storesGeneration === staff.generation) return storesLoading;
  storesGeneration = staff.generation;
  const generation = staff.generation;
  storesLoading = callNdjson('/catalog/export', { kind: 'stores' }).then((lines) => {
    const list = lines.filter((s) => s && typeof s.id === 'string')
      .map((s) => ({ id: s.id, name: typeof s.name === 'string' && s.name ? s.name : s.id }));
    if (generation === staff.generation) stores = list;
    return list;
  }).finally(() => {
    if (generation === staff.generation) storesLoading = null;
  });
  return storesLoading;
}

export function storeName(id) {
  const found = stores && storesGeneration === staff.generation ? stores.find((s) => s.id === id) : null;
  return found ? found.name : id;
}

export function forgetStores() {
  stores = null;
  storesLoading = null;
  storesGeneration = -1;
}

// Fills a <select> with the stores, after a first option (value '').
export function fillStoreSelect(select, firstLabel, list) {
  const keep = select.value;
  select.replaceChildren(h('option', { value: '' }, firstLabel),
    ...list.map((s) => h('option', { value: s.id }, s.name === s.id ? s.id : `${s.name} (${s.id})`)));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

// ---------------------------------------------------------------- layout


// Whether an id can be part of an address's path: a browser resolves "."
// and ".." segments, even percent-encoded, before sending.
export function addressable(id) {
  return id !== '.' && id !== '..';
}

// Marks a form field as wrong (aria-invalid) or right again.
export function markInvalid(field, invalid) {
  if (invalid) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}
