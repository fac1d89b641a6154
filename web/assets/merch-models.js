// Models: the live version (GET models), what it learned and how it
// scored against best sellers, its blend weights, the last trainings
// (GET models/history), and "Train now" (POST models/train), followed
// every second while it runs. Every metric has a sentence saying what it is.
import { h, replace, byId, scrollBox } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';
import { staff, call } from '/assets/staff.js';
import { current, failureWords, status, count, timeOf, duration } from '/assets/merch-common.js';

// What each number means, in one sentence.
const METRICS = {
  version: 'The model set that answers requests now; every successful training makes a new one.',
  trained_at: 'When the live version finished training.',
  shoppers: 'Shoppers whose histories it learned from: only those whose model-improvement consent allows it.',
  items: 'The products it knows and can suggest.',
  interactions: 'Shopper and product pairs (views, carts, purchases) it learned from.',
  cases: 'Held-out baskets it was tested on: each shopper\'s latest basket, hidden while it trained.',
  blend: 'How well its suggestions found the products of the held-out baskets: the mean of recall and NDCG over the top suggestions, from 0 to 1, higher is better.',
  popularity: 'The same score for best sellers alone, the baseline it has to beat.',
  personalizes: 'Whether shoppers get personal suggestions: only when it beat best sellers on at least 10 held-out baskets.',
  als: 'Whether the collaborative-filtering model (ALS: shoppers who bought alike) was trained.',
  memory: 'Memory the live models take on the server.',
};

// The blend's features (recommend/hybrid.h), in words.
const FEATURES = {
  frequency: 'How often the shopper bought the product, recent baskets counting more.',
  recent: 'The same, with recent baskets counting much more.',
  share: 'The share of the shopper\'s baskets that hold the product.',
  in_last: 'Whether the product is in the shopper\'s latest basket.',
  log_count: 'How many of the shopper\'s baskets hold it (on a log scale).',
  share_repeat: 'Its share of the shopper\'s baskets times how often its buyers buy it again.',
  due_frequency: 'How often the shopper buys it, times how due it is again.',
  repeat_rate: 'Whether the shopper bought it, times how often its buyers buy it again.',
  bought_before: 'Whether the shopper bought it before.',
  als: 'The collaborative-filtering score: shoppers who bought alike.',
  related: 'How often it is bought with the products in view (the cart, the product page).',
  neighbors: 'How often it is bought with everything the shopper buys.',
  popularity: 'How well it sells in the region.',
};

const STATES = {
  idle: 'Not trained yet',
  running: 'Training now',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

// A past training's result.
const HISTORY_STATES = {
  idle: 'Nothing to learn from',
  succeeded: 'Succeeded',
  failed: 'Failed',
  running: 'Running',
};

let poller = 0;

function score(v) {
  return Number.isFinite(Number(v)) ? Number(v).toFixed(3) : '—';
}

function bytes(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '—';
  if (v >= 1 << 20) return `${(v / (1 << 20)).toFixed(1)} MiB`;
  if (v >= 1 << 10) return `${(v / (1 << 10)).toFixed(1)} KiB`;
  return `${v} bytes`;
}

function metricList(pairs) {
  return h('dl', { class: 'metrics' }, pairs.map(([key, label, value]) => [
    h('dt', {}, label),
    h('dd', { 'data-metric': key }, h('span', { class: 'metric-value' }, value), h('span', { class: 'metric-what' }, METRICS[key])),
  ]));
}

function renderCurrent(m) {
  const body = byId('models-current');
  if (!m) {
    replace(body, h('p', { class: 'notice' }, 'No model has been trained in this region yet: every shopper gets best sellers.'));
    return;
  }
  const v = m.validation || {};
  const beat = Number(v.blend) > Number(v.popularity);
  const weights = Object.entries(m.blend || {});
  replace(body,
    h('p', { class: m.personalizes ? 'notice ok' : 'notice warn', id: 'models-verdict' },
      m.personalizes
        ? `Version ${m.version} personalizes: it scored ${score(v.blend)} against ${score(v.popularity)} for best sellers on ${count(v.cases)} held-out baskets.`
        : `Version ${m.version} does not personalize: ${beat ? `it scored ${score(v.blend)} against ${score(v.popularity)}, but on ${count(v.cases)} held-out baskets only` : `it scored ${score(v.blend)}, not above ${score(v.popularity)} for best sellers`}. Shoppers get best sellers.`),
    metricList([
      ['version', 'Live version', String(m.version ?? '—')],
      ['trained_at', 'Trained', timeOf(m.trained_at)],
      ['shoppers', 'Shoppers learned from', count(m.shoppers)],
      ['items', 'Products', count(m.items)],
      ['interactions', 'Interactions', count(m.interactions)],
      ['cases', 'Validation baskets', count(v.cases)],
      ['blend', 'Validation score', score(v.blend)],
      ['popularity', 'Best sellers\' score', score(v.popularity)],
      ['personalizes', 'Personalizes', m.personalizes ? 'Yes' : 'No'],
      ['als', 'Collaborative filtering', m.als ? 'Trained' : 'Not trained'],
      ['memory', 'Memory', bytes(m.memory_bytes)],
    ]),
    weights.length ? scrollBox('Blend weights', h('table', { id: 'models-blend' },
      h('caption', {}, 'Blend weights: how much each signal counts in a suggestion\'s score'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Signal'),
        h('th', { scope: 'col', class: 'num' }, 'Weight'),
        h('th', { scope: 'col' }, 'What it measures'))),
      h('tbody', {}, weights.map(([feature, weight]) => h('tr', {},
        h('th', { scope: 'row', class: 'mono' }, feature),
        h('td', { class: 'num' }, Number(weight).toFixed(3)),
        h('td', {}, FEATURES[feature] || '')))))) : null);
}

function renderTraining(t) {
  const running = t?.state === 'running';
  const box = byId('models-training');
  replace(box,
    h('p', {}, 'Training: ', h('strong', { id: 'models-state' }, STATES[t?.state] || String(t?.state || 'unknown')),
      t?.started ? [' · started ', timeOf(t.started, { seconds: true })] : '',
      t?.finished && !running ? [' · finished ', timeOf(t.finished, { seconds: true })] : '',
      t?.version && !running ? ` · version ${t.version}` : ''),
    running ? h('progress', { id: 'models-bar', 'aria-label': 'Training under way' }) : null,
    t?.progress ? h('p', { class: 'hint', id: 'models-progress' }, `Latest step: ${t.progress}`) : null,
    t?.error ? h('p', { class: 'notice error' }, `The training failed: ${t.error}`) : null);
  byId('models-train').disabled = running;
}

function renderHistory(trainings) {
  const body = byId('models-history');
  if (!trainings.length) {
    replace(body, h('p', {}, 'No training is recorded yet.'));
    return;
  }
  replace(body, scrollBox('The last trainings', h('table', { id: 'models-history-table' },
    h('caption', {}, 'The last trainings, newest first'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Started'),
      h('th', { scope: 'col', class: 'num' }, 'Took'),
      h('th', { scope: 'col' }, 'Result'),
      h('th', { scope: 'col', class: 'num' }, 'Version'),
      h('th', { scope: 'col', class: 'num' }, 'Shoppers'),
      h('th', { scope: 'col', class: 'num' }, 'Products'),
      h('th', { scope: 'col', class: 'num' }, 'Score against best sellers'),
      h('th', { scope: 'col' }, 'Personalizes'),
      h('th', { scope: 'col' }, 'Last step or error'))),
    h('tbody', {}, trainings.map((t) => h('tr', {},
      h('th', { scope: 'row' }, timeOf(t.started, { seconds: true })),
      h('td', { class: 'num' }, t.seconds !== undefined ? duration(t.seconds) : '—'),
      h('td', {}, HISTORY_STATES[t.state] || String(t.state || '')),
      h('td', { class: 'num' }, t.version ? String(t.version) : '—'),
      h('td', { class: 'num' }, t.shoppers !== undefined ? count(t.shoppers) : '—'),
      h('td', { class: 'num' }, t.items !== undefined ? count(t.items) : '—'),
      h('td', { class: 'num' }, t.validation ? `${score(t.validation.blend)} vs ${score(t.validation.popularity)} (${count(t.validation.cases)} baskets)` : '—'),
      h('td', {}, t.personalizes === undefined ? '—' : t.personalizes ? 'Yes' : 'No'),
      h('td', { class: 'wrap-anywhere' }, t.error || t.progress || '')))))));
}

async function loadModels(generation) {
  const models = await call('GET', '/models');
  if (!current(generation)) return null;
  renderCurrent(models?.current || null);
  renderTraining(models?.training || {});
  return models;
}

async function loadHistory(generation) {
  try {
    const history = await call('GET', '/models/history', undefined, { limit: 10 });
    if (!current(generation)) return;
    renderHistory(Array.isArray(history?.trainings) ? history.trainings : []);
  } catch (error) {
    if (!current(generation)) return;
    replace(byId('models-history'), h('p', { class: 'notice error' }, `The trainings could not be loaded. ${failureWords(error)}`));
  }
}

function stopPolling() {
  clearTimeout(poller);
  poller = 0;
}

// Every second while a training runs: its progress, then the new version.
function follow(generation) {
  stopPolling();
  poller = setTimeout(async () => {
    poller = 0;
    if (!current(generation)) return;
    try {
      const models = await loadModels(generation);
      if (!models) return;
      if (models.training?.state === 'running') {
        follow(generation);
        return;
      }
      const t = models.training || {};
      status('models-status', t.state === 'succeeded' ? `The training finished: version ${t.version ?? models.current?.version} is live.`
        : t.state === 'failed' ? 'The training failed: see its error below.' : 'The training ended.');
      await loadHistory(generation);
    } catch (error) {
      if (!current(generation)) return;
      status('models-status', `The training's progress could not be read. ${failureWords(error)}`);
    }
  }, 1000);
}

async function train() {
  const generation = staff.generation;
  const button = byId('models-train');
  button.disabled = true;
  status('models-status', 'Starting a training…');
  try {
    const answer = await call('POST', '/models/train');
    if (!current(generation)) return;
    renderTraining(answer?.training || { state: 'running' });
    status('models-status', 'Training started: its progress shows below every second.');
    follow(generation);
  } catch (error) {
    if (!current(generation)) return;
    if (error instanceof ApiError && error.status === 409) {
      status('models-status', 'A training is already running: its progress shows below.');
      follow(generation);
      return;
    }
    button.disabled = false;
    status('models-status', `No training was started. ${failureWords(error)}`);
  }
}

export function initModels() {
  byId('models-train').addEventListener('click', train);
}

export async function showModels() {
  const generation = staff.generation;
  const body = byId('models-current');
  body.setAttribute('aria-busy', 'true');
  status('models-status', 'Loading the models…');
  try {
    const models = await loadModels(generation);
    if (!models) return;
    status('models-status', models.training?.state === 'running' ? 'A training is running: its progress shows below.' : '');
    if (models.training?.state === 'running') follow(generation);
    await loadHistory(generation);
  } catch (error) {
    if (!current(generation)) return;
    status('models-status', `The models could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
  }
}

export function resetModels() {
  stopPolling();
  for (const id of ['models-current', 'models-training', 'models-history']) replace(byId(id));
  byId('models-train').disabled = false;
  status('models-status', '');
}
