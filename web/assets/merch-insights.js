// Insights: the differentially private queries (docs/analytics.md) over a
// period, the whole region or one store, a channel and a category. Before
// a query runs, its cost is quoted (POST analytics/quote: nothing charged)
// beside the months' budget (GET analytics/budget); the answer's numbers
// are drawn as bars with their 95% intervals, each chart with a table of
// the same numbers beside it. A stored answer is reopened at no cost.
import { h, replace, byId, scrollBox } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';
import { barChart } from '/assets/merch-chart.js';
import {
  CHANNELS, words, current, failureWords, status, count, money, rho, dayOf, regionStores, storeName,
  fillStoreSelect, markInvalid,
} from '/assets/merch-common.js';

export const QUERIES = {
  top_products: {
    name: 'Top products',
    what: 'The products bought by the most shoppers, with the units sold. Each shopper counts for at most 5 products and 3 units of each.',
    ranked: true,
  },
  category_trends: {
    name: 'Category trends by week',
    what: 'Shoppers and units per category and ISO week of the period. Each shopper counts in at most 8 category-weeks.',
  },
  basket_size: {
    name: 'Basket size',
    what: 'How many items orders hold, from 1 to 11 or more, and the mean. Each shopper counts for at most 3 orders.',
  },
  spend: {
    name: 'Spend by channel',
    what: 'Orders per channel, the mean spend per order and its quartiles. Spend per order is clamped to 500.00.',
  },
  channel_mix: {
    name: 'Channel mix and store fulfilment',
    what: 'Orders per channel, and the orders a store fulfilled: bought in the store, bought online and picked up in store, or shipped from the store.',
  },
  repeat_rate: {
    name: 'Repeat rate by category',
    what: 'The share of a category\'s buyers who bought it in two orders or more within the period.',
  },
  bought_together: {
    name: 'Categories bought together',
    what: 'Pairs of categories in the same orders, by shoppers. Pairs come from the data: none seen by fewer than 20 shoppers is ever shown.',
    ranked: true,
  },
};

const STATISTICS = {
  buyers: 'Buyers',
  units: 'Units',
  orders: 'Orders',
  items: 'Items',
  mean_items: 'Mean items per order',
  mean_spend: 'Mean spend per order',
  p25: 'Spend, 25th percentile',
  p50: 'Spend, median',
  p75: 'Spend, 75th percentile',
  p90: 'Spend, 90th percentile',
  share: 'Share of orders',
  repeat_buyers: 'Repeat buyers',
  repeat_rate: 'Repeat rate',
  shoppers: 'Shoppers',
};

const FULFILMENTS = {
  in_store: 'Bought in the store',
  pickup_in_store: 'Bought online, picked up in store',
  ship_from_store: 'Bought online, shipped from the store',
};

const FIELDS = {
  query: 'insights-query', from: 'insights-from', to: 'insights-to', store_id: 'insights-store',
  channel: 'insights-channel', category: 'insights-category', k: 'insights-k', rho: 'insights-rho',
};

const state = {
  quoted: null,      // {key, quote} of the form as last quoted
  quoting: 0,        // the latest quote asked (later answers win)
  timer: 0,
  budgetMonths: '',  // the months the budget table shows
  asked: new Map(),  // key -> {body, label}: the queries answered in this session
  titles: new Map(), // product id -> title, for the answers' labels
  running: false,
};

// ---------------------------------------------------------------- the form

function isRanked(query) {
  return Boolean(QUERIES[query]?.ranked);
}

// The body the form describes, or a sentence saying what is missing.
function formBody() {
  const query = byId('insights-query').value;
  const from = byId('insights-from').value;
  const to = byId('insights-to').value;
  if (!from || !to) return { problem: 'Choose the period first: a first and a last day.' };
  if (from > to) return { problem: 'The first day is after the last day.' };
  const body = { query, from, to };
  const store = byId('insights-store').value;
  const channel = byId('insights-channel').value;
  const category = byId('insights-category').value.trim();
  if (store) body.store_id = store;
  if (channel) body.channel = channel;
  if (category) body.category = category;
  if (isRanked(query)) body.k = Number(byId('insights-k').value);
  body.rho = Number(byId('insights-rho').value);
  return { body };
}

const keyOf = (body) => JSON.stringify(body);

function setForm(body) {
  byId('insights-query').value = body.query;
  byId('insights-from').value = body.from;
  byId('insights-to').value = body.to;
  byId('insights-store').value = body.store_id || '';
  byId('insights-channel').value = body.channel || '';
  byId('insights-category').value = body.category || '';
  if (body.k) byId('insights-k').value = String(body.k);
  byId('insights-rho').value = String(body.rho);
  describeQuery();
}

function describeQuery() {
  const query = byId('insights-query').value;
  byId('insights-query-hint').textContent = QUERIES[query]?.what || '';
  byId('insights-k-field').hidden = !isRanked(query);
}

function clearInvalid() {
  for (const id of Object.values(FIELDS)) markInvalid(byId(id), false);
}

// "0.01 of 2026-01" and the like, for the months a query reads.
function monthsWords(months) {
  const list = (months || []).map(String);
  if (list.length <= 1) return list[0] || 'no month';
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

// ---------------------------------------------------------------- the quote

function setRunButton(label, enabled) {
  const button = byId('insights-run');
  button.textContent = label;
  button.disabled = !enabled;
}

function scheduleQuote() {
  clearTimeout(state.timer);
  state.quoted = null;
  setRunButton('Run the query', false);
  state.timer = setTimeout(quote, 250);
}

async function quote() {
  clearTimeout(state.timer);
  const generation = staff.generation;
  const seq = ++state.quoting;
  const box = byId('insights-quote');
  clearInvalid();
  const { body, problem } = formBody();
  if (!body) {
    replace(box, h('p', {}, problem));
    setRunButton('Run the query', false);
    return null;
  }
  replace(box, h('p', {}, 'Working out what this query will cost…'));
  box.setAttribute('aria-busy', 'true');
  try {
    const answer = await call('POST', '/analytics/quote', body);
    if (!current(generation) || seq !== state.quoting) return null;
    state.quoted = { key: keyOf(body), quote: answer };
    renderQuote(answer);
    loadBudget(answer.months || []);
    return state.quoted;
  } catch (error) {
    if (!current(generation) || seq !== state.quoting) return null;
    if (error instanceof ApiError && error.status === 400 && FIELDS[error.field]) markInvalid(byId(FIELDS[error.field]), true);
    replace(box, h('p', { class: 'notice error' }, `This query cannot be quoted. ${failureWords(error)}`));
    setRunButton('Run the query', false);
    return null;
  } finally {
    if (seq === state.quoting) box.removeAttribute('aria-busy');
  }
}

function renderQuote(q) {
  const box = byId('insights-quote');
  const months = monthsWords(q.months);
  const cost = rho(q.cost?.rho);
  if (q.stored) {
    replace(box, h('p', { class: 'notice ok', id: 'insights-quote-text' },
      h('strong', {}, 'Stored answer: free. '),
      `This exact query was answered before; opening its answer again charges nothing to ${months}.`));
    setRunButton('Open the stored answer (free)', true);
    return;
  }
  if (!q.allowed) {
    replace(box, h('div', { class: 'notice error', id: 'insights-quote-text' },
      h('p', {}, h('strong', {}, `This query would cost ρ ${cost}, and the budget cannot pay for it. `),
        `This console may still spend ρ ${rho(q.remaining_rho)} of ${months}.`),
      q.refusal ? h('p', {}, `The server said: “${q.refusal}”.`) : null));
    setRunButton('Run the query', false);
    return;
  }
  replace(box, h('p', { class: 'notice', id: 'insights-quote-text' },
    h('strong', {}, `Running this query costs ρ ${cost}`),
    Number(q.cost?.delta) > 0 ? ` and δ ${Number(q.cost.delta).toExponential(0)}` : '',
    `, charged to ${months}. This console may still spend ρ ${rho(q.remaining_rho)} there; once answered, the same query is free to open again.`));
  setRunButton(`Run the query (costs ρ ${cost})`, true);
}

// ---------------------------------------------------------------- the budget

async function loadBudget(months) {
  const wanted = months.slice(0, 13);
  const key = wanted.join(',');
  if (!wanted.length || key === state.budgetMonths) return;
  state.budgetMonths = key;
  await refreshBudget(wanted);
}

async function refreshBudget(months = state.budgetMonths.split(',').filter(Boolean)) {
  const generation = staff.generation;
  if (!months.length) return;
  try {
    const budgets = await Promise.all(months.map((period) => call('GET', '/analytics/budget', undefined, { period })));
    if (!current(generation) || months.join(',') !== state.budgetMonths) return;
    renderBudget(months, budgets);
  } catch (error) {
    if (!current(generation)) return;
    replace(byId('insights-budget'), h('p', { class: 'notice error' }, `The budget could not be loaded. ${failureWords(error)}`));
  }
}

function renderBudget(months, budgets) {
  const me = staff.claims?.apiKeyId || '';
  const rows = budgets.map((b, i) => {
    const r = b?.rho || {};
    const mine = Number(r.by_key?.[me] ?? 0);
    const share = Number(r.per_key ?? 0);
    const left = Math.max(0, Math.min(Number(r.remaining ?? 0), share - mine));
    return h('tr', { 'data-month': b?.period || months[i] },
      h('th', { scope: 'row' }, b?.period || months[i]),
      h('td', { class: 'num' }, rho(r.budget)),
      h('td', { class: 'num' }, rho(r.spent)),
      h('td', { class: 'num' }, rho(mine)),
      h('td', { class: 'num', 'data-left': '' }, rho(left)),
      h('td', { class: 'num' }, count((b?.charges || []).length)));
  });
  replace(byId('insights-budget'), scrollBox('Privacy budget of the months this query reads',
    h('table', { id: 'insights-budget-table' },
      h('caption', {}, 'Privacy budget (ρ) of the months this query reads'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Month of data'),
        h('th', { scope: 'col', class: 'num' }, 'Budget'),
        h('th', { scope: 'col', class: 'num' }, 'Spent by everyone'),
        h('th', { scope: 'col', class: 'num' }, 'Spent with this console\'s key'),
        h('th', { scope: 'col', class: 'num' }, 'Left for this console'),
        h('th', { scope: 'col', class: 'num' }, 'Queries charged'))),
      h('tbody', {}, rows))),
  h('p', { class: 'hint' }, `Each month of data has a privacy budget that every query reading it spends from; one key may spend at most its share of it. A key id: ${me || 'unknown'}.`));
}

// ---------------------------------------------------------------- running

async function run() {
  if (state.running) return;
  const generation = staff.generation;
  const { body } = formBody();
  if (!body) return;
  // The cost is always shown before the query runs: quote first if the
  // form changed since.
  if (!state.quoted || state.quoted.key !== keyOf(body)) {
    const quoted = await quote();
    if (!quoted) return;
    if (!quoted.quote.allowed && !quoted.quote.stored) return;
  }
  const quoted = state.quoted;
  state.running = true;
  setRunButton(byId('insights-run').textContent, false);
  status('insights-status', quoted.quote.stored ? 'Opening the stored answer…' : 'Running the query…');
  const result = byId('insights-result');
  result.setAttribute('aria-busy', 'true');
  try {
    const answer = await call('POST', '/analytics/query', body);
    if (!current(generation)) return;
    await lookUpTitles(answer, generation);
    if (!current(generation)) return;
    renderAnswer(body, answer, quoted.quote.months || []);
    remember(body);
    status('insights-status', answer.repeat ? 'The stored answer is shown: nothing was charged.'
      : `The answer is shown: ρ ${rho(answer.cost?.rho)} was charged to ${monthsWords(quoted.quote.months)}.`);
    state.budgetMonths = '';
    await quote();
  } catch (error) {
    if (!current(generation)) return;
    status('insights-status', `The query was not answered. ${failureWords(error)}`);
    if (error instanceof ApiError && error.status === 400 && FIELDS[error.field]) markInvalid(byId(FIELDS[error.field]), true);
    setRunButton(byId('insights-run').textContent, true);
  } finally {
    state.running = false;
    result.removeAttribute('aria-busy');
  }
}

function describeBody(body) {
  const parts = [`${QUERIES[body.query]?.name || body.query}, ${body.from} to ${body.to}`];
  parts.push(body.store_id ? `store ${storeName(body.store_id)}` : 'whole region');
  if (body.channel) parts.push(words(CHANNELS, body.channel).toLowerCase());
  if (body.category) parts.push(`category ${body.category}`);
  if (body.k) parts.push(`top ${body.k}`);
  parts.push(`ρ ${rho(body.rho)}`);
  return parts.join(' · ');
}

// The session's answered queries, each reopened at no cost.
function remember(body) {
  const key = keyOf(body);
  state.asked.delete(key);
  state.asked.set(key, { body, label: describeBody(body) });
  renderAsked();
}

function renderAsked() {
  const entries = [...state.asked.values()].reverse();
  const box = byId('insights-asked');
  if (!entries.length) {
    replace(box, h('p', { class: 'hint' }, 'None yet. Every answer is stored: opening one again costs nothing.'));
    return;
  }
  replace(box, h('ul', { class: 'records' }, entries.map((entry) => {
    const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `Open again: ${entry.label}` }, 'Open again');
    button.addEventListener('click', () => reopen(entry.body));
    return h('li', { class: 'record asked' }, h('p', { class: 'record-head' }, entry.label), button);
  })));
}

async function reopen(body) {
  setForm(body);
  state.quoted = null;
  const quoted = await quote();
  if (quoted) await run();
}

// ---------------------------------------------------------------- the answer

async function lookUpTitles(answer, generation) {
  const ids = new Set();
  for (const n of answer.numbers || []) {
    const m = /^product=(.*)$/.exec(n.group || '');
    if (m && !state.titles.has(m[1])) ids.add(m[1]);
  }
  await Promise.all([...ids].slice(0, 50).map(async (id) => {
    try {
      const product = await call('GET', `/products/${encodeURIComponent(id)}`);
      if (!current(generation)) return;
      const title = (product && (product.product?.title ?? product.title)) || '';
      state.titles.set(id, typeof title === 'string' ? title : '');
    } catch {
      state.titles.set(id, '');
    }
  }));
}

function groupWords(group) {
  const text = String(group || '');
  if (!text) return 'All orders';
  let m;
  if ((m = /^product=(.*)$/.exec(text))) {
    const title = state.titles.get(m[1]);
    return title ? `${title} (${m[1]})` : m[1];
  }
  if ((m = /^category=(.*) week=(.*)$/.exec(text))) return `${m[1]}, week ${m[2]}`;
  if ((m = /^category=(.*)$/.exec(text))) return m[1] || '(no category)';
  if ((m = /^channel=(.*)$/.exec(text))) return words(CHANNELS, m[1]);
  if ((m = /^fulfilment=(.*)$/.exec(text))) return words(FULFILMENTS, m[1]);
  if ((m = /^items=(.*)$/.exec(text))) return m[1] === '11+' ? '11 items or more' : `${m[1]} item${m[1] === '1' ? '' : 's'}`;
  if ((m = /^pair=(.*) \+ (.*)$/.exec(text))) return `${m[1]} with ${m[2]}`;
  return text;
}

// A number withheld by the server (null, or marked): never shown as one.
function isWithheld(n) {
  return !n || n.withheld === true || n.value === null || n.value === undefined;
}

const FORMATS = {
  share: (v) => `${(v * 100).toFixed(1)}%`,
  repeat_rate: (v) => `${(v * 100).toFixed(1)}%`,
  mean_spend: money, p25: money, p50: money, p75: money, p90: money,
  mean_items: (v) => Number(v).toFixed(2),
};

function format(statistic, v) {
  if (!Number.isFinite(Number(v))) return '—';
  return (FORMATS[statistic] || ((x) => Math.round(x).toLocaleString('en')))(Number(v));
}

function intervalWords(statistic, n) {
  if (!Array.isArray(n.ci95)) return '—';
  return `${format(statistic, n.ci95[0])} to ${format(statistic, n.ci95[1])}${n.mechanism === 'derived' ? ' (approximate)' : ''}`;
}

function withheldWords(n) {
  return n && (n.reason || n.why) ? `withheld: ${n.reason || n.why}` : 'withheld';
}

// The answer's numbers by group and statistic, groups in answer order.
function index(numbers, groupTest) {
  const groups = [];
  const by = new Map();
  for (const n of numbers) {
    if (!groupTest(n.group || '')) continue;
    if (!by.has(n.group)) {
      by.set(n.group, {});
      groups.push(n.group);
    }
    by.get(n.group)[n.statistic] = n;
  }
  return { groups, by };
}

// One chart (the first statistic) and its table (every statistic).
function view(title, numbers, groupTest, stats) {
  const { groups, by } = index(numbers, groupTest);
  if (!groups.length) return null;
  const chartStat = stats[0];
  const rows = groups.map((g) => {
    const n = by.get(g)[chartStat];
    return isWithheld(n) ? { label: groupWords(g), withheld: true }
      : { label: groupWords(g), value: Number(n.value), low: Number(n.ci95?.[0]), high: Number(n.ci95?.[1]) };
  });
  const caption = `${title}: ${stats.map((s) => STATISTICS[s] || s).join(', ').toLowerCase()}, with 95% intervals`;
  const table = h('table', { class: 'dp-table' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Group'),
      stats.flatMap((s) => [
        h('th', { scope: 'col', class: 'num' }, STATISTICS[s] || s),
        h('th', { scope: 'col', class: 'num' }, `${STATISTICS[s] || s}: 95% interval`),
      ]))),
    h('tbody', {}, groups.map((g) => h('tr', { 'data-group': g },
      h('th', { scope: 'row' }, groupWords(g)),
      stats.flatMap((s) => {
        const n = by.get(g)[s];
        if (isWithheld(n)) return [h('td', { class: 'num withheld', colspan: 2 }, withheldWords(n))];
        return [h('td', { class: 'num', 'data-statistic': s }, format(s, n.value)), h('td', { class: 'num' }, intervalWords(s, n))];
      })))));
  return h('div', { class: 'dp-view' },
    h('figure', { class: 'chart-box' },
      h('figcaption', {}, `${title}: ${(STATISTICS[chartStat] || chartStat).toLowerCase()}`),
      barChart(rows, (v) => format(chartStat, v))),
    scrollBox(caption, table));
}

function views(query, numbers) {
  const all = () => true;
  const prefix = (p) => (g) => g.startsWith(p);
  switch (query) {
    case 'top_products':
      return [view('Top products', numbers, prefix('product='), ['buyers', 'units'])];
    case 'category_trends': {
      const categories = [...new Set(numbers.map((n) => /^category=(.*) week=/.exec(n.group || '')?.[1]).filter((c) => c !== undefined))];
      return categories.map((c) => view(`Category ${c} by week`, numbers, (g) => g.startsWith(`category=${c} week=`), ['buyers', 'units']));
    }
    case 'basket_size':
      return [view('Orders by basket size', numbers, prefix('items='), ['orders']), view('All orders', numbers, (g) => g === '', ['mean_items', 'items'])];
    case 'spend':
      return [view('Spend by channel', numbers, prefix('channel='), ['mean_spend', 'orders', 'p25', 'p50', 'p75', 'p90'])];
    case 'channel_mix':
      return [view('Orders by channel', numbers, prefix('channel='), ['share', 'orders']),
        view('Orders a store fulfilled', numbers, prefix('fulfilment='), ['share', 'orders'])];
    case 'repeat_rate':
      return [view('Repeat rate by category', numbers, prefix('category='), ['repeat_rate', 'buyers', 'repeat_buyers'])];
    case 'bought_together':
      return [view('Categories bought together', numbers, prefix('pair='), ['shoppers'])];
    default: {
      const stats = [...new Set(numbers.map((n) => n.statistic))];
      return [view('Numbers', numbers, all, stats)];
    }
  }
}

function renderAnswer(body, answer, months) {
  const numbers = Array.isArray(answer.numbers) ? answer.numbers : [];
  const shown = views(body.query, numbers).filter(Boolean);
  const withheld = numbers.filter(isWithheld).length;
  const parts = [
    h('h3', { id: 'insights-answer-title' }, QUERIES[body.query]?.name || body.query),
    h('p', { class: 'record-meta' }, describeBody(body)),
    h('p', { id: 'insights-cost', class: answer.repeat ? 'notice ok' : 'notice' },
      answer.repeat ? 'A stored answer: opened again at no cost.'
        : `Charged ρ ${rho(answer.cost?.rho)} to ${monthsWords(months)}.`),
  ];
  if (body.query === 'bought_together' && !numbers.some((n) => /^pair=/.test(n.group || '') && !isWithheld(n))) {
    parts.push(h('div', { class: 'notice warn', id: 'insights-withheld' },
      h('p', {}, h('strong', {}, 'Withheld: no pair of categories can be shown. ')),
      h('p', {}, 'Which pairs exist comes from the shoppers\' own orders, so a pair is shown only when enough different shoppers bought it: never one seen by fewer than 20 shoppers, and one seen by a few more only rarely.'),
      answer.partitions_selected !== undefined ? h('p', {}, `Pairs kept: ${count(answer.partitions_selected)}.`) : null));
  } else if (!shown.length) {
    parts.push(h('p', { id: 'insights-withheld' }, 'The answer holds no number to show.'));
  }
  if (withheld) {
    parts.push(h('p', { class: 'notice warn', id: 'insights-withheld-count' },
      `${count(withheld)} number${withheld === 1 ? ' is' : 's are'} withheld by the server and shown as "withheld".`));
  }
  if (shown.length) {
    parts.push(h('ul', { class: 'legend' },
      h('li', {}, h('span', { class: 'swatch bar', 'aria-hidden': 'true' }), 'The released number'),
      h('li', {}, h('span', { class: 'swatch whisker', 'aria-hidden': 'true' }), 'Its 95% interval: the true number lies there 95 times in 100'),
      h('li', { class: 'hint' }, 'Every number has noise added so that no shopper can be singled out; small numbers are mostly noise.')));
    parts.push(h('div', { class: 'dp-views' }, shown));
  }
  const notes = Array.isArray(answer.notes) ? answer.notes : [];
  if (notes.length) {
    parts.push(h('h4', {}, 'How these numbers were made'), h('ul', { class: 'notes' }, notes.map((n) => h('li', {}, String(n)))));
  }
  replace(byId('insights-result'), parts);
}

// ---------------------------------------------------------------- the section

let started = false;

export function initInsights() {
  const select = byId('insights-query');
  select.replaceChildren(...Object.entries(QUERIES).map(([key, q]) => h('option', { value: key }, q.name)));
  const channel = byId('insights-channel');
  channel.replaceChildren(h('option', { value: '' }, 'Every channel'),
    ...Object.entries(CHANNELS).map(([key, name]) => h('option', { value: key }, name)));
  // The last whole month (UTC) by default: its answers are stored for good.
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  byId('insights-from').value = dayOf(first);
  byId('insights-to').value = dayOf(last);
  describeQuery();
  const form = byId('insights-form');
  form.addEventListener('input', () => {
    describeQuery();
    scheduleQuote();
  });
  form.addEventListener('change', () => {
    describeQuery();
    scheduleQuote();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
}

export async function showInsights() {
  const generation = staff.generation;
  if (!started) {
    started = true;
    renderAsked();
    try {
      const stores = await regionStores();
      if (!current(generation)) return;
      fillStoreSelect(byId('insights-store'), 'The whole region', stores);
    } catch (error) {
      if (!current(generation)) return;
      status('insights-status', `The stores could not be loaded: the whole region only. ${failureWords(error)}`);
    }
    await quote();
  } else {
    state.budgetMonths = '';
    await quote();
  }
}

export function resetInsights() {
  clearTimeout(state.timer);
  state.quoted = null;
  state.quoting += 1;
  state.budgetMonths = '';
  state.asked.clear();
  state.titles.clear();
  state.running = false;
  started = false;
  for (const id of ['insights-quote', 'insights-budget', 'insights-result', 'insights-asked']) replace(byId(id));
  const store = byId('insights-store');
  store.replaceChildren(h('option', { value: '' }, 'The whole region'));
  byId('insights-category').value = '';
  clearInvalid();
  status('insights-status', '');
  setRunButton('Run the query', false);
}
