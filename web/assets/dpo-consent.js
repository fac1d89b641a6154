// Consent overview: the decisions in force per purpose, where they came
// from, and the last 30 days (GET /v1/{region}/consent/stats). Counts
// below the server's minimum arrive as null and read "fewer than 10".
import { h, replace, byId, scrollBox } from '/assets/dom.js';
import { trendChart, legend } from '/assets/dpo-chart.js';
import {
  session, call, current, PURPOSES, PURPOSE_HINTS, SOURCES, words, countWords, timeOf, failureWords, status, } from '/assets/dpo-common.js';

function purposeCell(purpose, hint = false) {
  return h('th', { scope: 'row' }, words(PURPOSES, purpose),
    hint && PURPOSE_HINTS[purpose] ? h('span', { class: 'cell-hint' }, PURPOSE_HINTS[purpose]) : null);
}

function inForceTable(stats, min) {
  return scrollBox('Decisions in force now, by purpose',
    h('table', { id: 'consent-in-force' },
      h('caption', {}, 'Decisions in force now, by purpose'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Purpose'),
        h('th', { scope: 'col', class: 'num' }, 'Granted'),
        h('th', { scope: 'col', class: 'num' }, 'Refused'),
        h('th', { scope: 'col', class: 'num' }, 'No decision'))),
      h('tbody', {}, (stats.purposes || []).map((p) => h('tr', { 'data-purpose': p.purpose },
        purposeCell(p.purpose, true),
        h('td', { class: 'num', 'data-count': 'granted' }, countWords(p.granted, min)),
        h('td', { class: 'num', 'data-count': 'refused' }, countWords(p.refused, min)),
        h('td', { class: 'num', 'data-count': 'no_decision' }, countWords(p.no_decision, min)))))));
}

function bySourceTable(stats, min) {
  const rows = [];
  for (const p of stats.purposes || []) {
    const sources = p.by_source || [];
    if (!sources.length) {
      rows.push(h('tr', {}, purposeCell(p.purpose), h('td', { colspan: 3 }, 'No decisions recorded')));
      continue;
    }
    for (const s of sources) {
      rows.push(h('tr', {}, purposeCell(p.purpose), h('td', {}, words(SOURCES, s.source)),
        h('td', { class: 'num' }, countWords(s.granted, min)), h('td', { class: 'num' }, countWords(s.refused, min))));
    }
  }
  return scrollBox('Where the decisions in force were made',
    h('table', {},
      h('caption', {}, 'Where the decisions in force were made'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Purpose'),
        h('th', { scope: 'col' }, 'Where'),
        h('th', { scope: 'col', class: 'num' }, 'Granted'),
        h('th', { scope: 'col', class: 'num' }, 'Refused'))),
      h('tbody', {}, rows)));
}

function trendSection(trend, min) {
  const days = trend?.days || [];
  const purposes = trend?.purposes || [];
  const charts = purposes.map((p) => {
    const shown = [...(p.granted || []), ...(p.refused || [])].some((v) => v !== null && v !== undefined);
    return h('figure', { class: 'chart-box' },
      h('figcaption', {}, words(PURPOSES, p.purpose)),
      trendChart(days, p.granted || [], p.refused || []),
      shown ? null : h('p', { class: 'hint' }, `Fewer than ${min} shoppers every day: nothing to draw.`));
  });
  const tables = purposes.map((p) => scrollBox(`${words(PURPOSES, p.purpose)}: the last ${days.length} days`,
    h('table', { class: 'trend-table' },
      h('caption', {}, `${words(PURPOSES, p.purpose)}: decisions in force at the end of each day`),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Day (UTC)'),
        h('th', { scope: 'col', class: 'num' }, 'Granted'),
        h('th', { scope: 'col', class: 'num' }, 'Refused'))),
      h('tbody', {}, days.map((day, i) => h('tr', {},
        h('th', { scope: 'row' }, h('time', { datetime: day }, day)),
        h('td', { class: 'num' }, countWords(p.granted?.[i], min)),
        h('td', { class: 'num' }, countWords(p.refused?.[i], min))))))));
  return [
    h('h3', {}, `The last ${days.length} days`),
    h('p', { class: 'hint' }, 'How many shoppers had a grant or a refusal in force at the end of each day (UTC), per purpose.'),
    legend(min),
    h('div', { class: 'chart-grid' }, charts),
    h('details', { class: 'data-table' },
      h('summary', {}, 'The same numbers as tables'),
      tables),
  ];
}

function render(stats) {
  const min = stats.min_count ?? 10;
  replace(byId('consent-body'),
    h('p', {}, 'Region ', h('strong', { class: 'mono' }, stats.region || session.region), ', as of ', timeOf(stats.as_of), '. ',
      `Counts below ${min} are shown as "fewer than ${min}", so that no shopper can be singled out.`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Shoppers in this region'),
      h('dd', { id: 'consent-shoppers' }, countWords(stats.shoppers, min))),
    inForceTable(stats, min),
    bySourceTable(stats, min),
    trendSection(stats.trend, min));
}

export async function showConsent() {
  const generation = session.generation;
  const body = byId('consent-body');
  body.setAttribute('aria-busy', 'true');
  status('consent-status', 'Loading the consent overview…');
  try {
    const stats = await call('GET', '/consent/stats');
    if (!current(generation)) return;
    render(stats);
    status('consent-status', '');
  } catch (error) {
    if (!current(generation)) return;
    replace(body);
    status('consent-status', `The consent overview could not be loaded. ${failureWords(error)}`);
  } finally {
    body.removeAttribute('aria-busy');
  }
}

export function resetConsent() {
  replace(byId('consent-body'));
  status('consent-status', '');
}
