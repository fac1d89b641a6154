// The privacy center's choices: a switch per purpose and per kind of data,
// the draft the shopper sets before Save, what Save sends, and the
// decisions so far. The state is privacy.js's session: `consent` (the
// server's last answer) and `draft` ({purposes, optOuts}).
import { h, replace, byId } from '/assets/dom.js';
import {
  PURPOSES, CATEGORIES, sourceWords, purposeName, categoryName, formatDate,
} from '/assets/privacy-words.js';

// The state of a shopper the server holds nothing on (GET .../consent
// answers 404): every purpose undecided. The region's legal basis is only
// known once a first decision is saved, so the switches start off and Save
// records every purpose as it is shown (off as a "no"); the first PUT
// creates the shopper.
export function blankConsent() {
  const purposes = {};
  for (const p of PURPOSES) purposes[p.key] = { allowed: false, decision: 'none' };
  return { blank: true, purposes, category_opt_outs: [], history: [], history_total: 0 };
}

// The decisions in force as switch positions; for a blank state each
// purpose is null (no position recorded), so that Save sends it.
function baseline(state) {
  const purposes = {};
  for (const p of PURPOSES) purposes[p.key] = state.blank ? null : Boolean(state.purposes?.[p.key]?.allowed);
  return { purposes, optOuts: new Set(state.category_opt_outs || []) };
}

// The switches as first shown: the decisions in force (off where none is
// recorded yet).
export function startDraft(state) {
  const draft = baseline(state);
  for (const p of PURPOSES) draft.purposes[p.key] ??= false;
  return draft;
}

function purposeDecision(key, state, gpc) {
  const p = state.purposes?.[key] || { allowed: false, decision: 'none' };
  if (key === 'marketing' && gpc) {
    return 'Off: your browser sends Global Privacy Control, which asks us not to use your data for marketing. To turn marketing on, first turn that signal off in your browser.';
  }
  if (state.blank) {
    return 'You have not decided yet. We hold nothing about you, so nothing is used now. Save records this switch as you set it: off is a "no".';
  }
  if (p.decision === 'granted') {
    return p.allowed
      ? `On. You said yes ${sourceWords(p.source)} on ${formatDate(p.at)}.`
      : `Off. You said yes ${sourceWords(p.source)} on ${formatDate(p.at)}, but that yes has expired.`;
  }
  if (p.decision === 'denied') {
    return p.source === 'gpc'
      ? `Off since ${formatDate(p.at)}, when your browser's Global Privacy Control signal asked us not to.`
      : `Off. You said no ${sourceWords(p.source)} on ${formatDate(p.at)}.`;
  }
  return p.allowed
    ? 'On: you have not decided yet, and where you live the shop may do this until you say no.'
    : 'Off: you have not decided yet, and the shop asks you first.';
}

function categoryDecision(key, state) {
  const history = state.history || [];
  let latest = null;
  for (const record of history) if (Array.isArray(record.category_opt_outs)) latest = record;
  const used = !(state.category_opt_outs || []).includes(key);
  if (!latest) return used ? 'On: you have not decided; we may use it for what you allow above.' : 'Off.';
  return `${used ? 'On' : 'Off'}. Decided ${sourceWords(latest.source)} on ${formatDate(latest.at)}.`;
}

function switchItem(id, name, what, decision, checked, disabled, onToggle, pending) {
  const button = h('button', {
    type: 'button',
    role: 'switch',
    class: 'switch',
    id: `${id}-switch`,
    'aria-checked': checked ? 'true' : 'false',
    'aria-labelledby': `${id}-name`,
    'aria-describedby': `${id}-what ${id}-decision`,
    'aria-disabled': disabled ? 'true' : null,
  },
  h('span', { class: 'track' }, h('span', { class: 'thumb' })),
  h('span', { class: 'state', 'aria-hidden': 'true' }, checked ? 'On' : 'Off'));
  button.addEventListener('click', () => onToggle(button));
  return h('li', { class: 'choice' },
    h('h4', { id: `${id}-name` }, name),
    button,
    h('p', { class: 'what', id: `${id}-what` }, what),
    h('p', { class: 'decision', id: `${id}-decision` }, decision, pending ? ' Changed: not saved yet.' : ''));
}

// Renders the switches and the history from `session` (gpc: whether the
// browser sends Global Privacy Control, which keeps marketing off).
export function renderChoices(session, gpc) {
  const state = session.consent;
  const base = baseline(state);
  const draft = session.draft;
  replace(byId('purpose-list'), PURPOSES.map((p) => {
    const locked = p.key === 'marketing' && gpc;
    return switchItem(`purpose-${p.key}`, p.name, p.what, purposeDecision(p.key, state, gpc),
      locked ? false : draft.purposes[p.key], locked, (button) => {
        if (locked) {
          byId('choices-status').textContent = 'Marketing stays off while your browser sends Global Privacy Control.';
          return;
        }
        draft.purposes[p.key] = !draft.purposes[p.key];
        refreshChoices(session, gpc, button.id);
      }, draft.purposes[p.key] !== (base.purposes[p.key] ?? false));
  }));
  replace(byId('category-list'), CATEGORIES.map((c) => {
    const used = !draft.optOuts.has(c.key);
    return switchItem(`category-${c.key}`, `Use my ${c.name.toLowerCase()}`, c.what, categoryDecision(c.key, state), used,
      false, (button) => {
        if (draft.optOuts.has(c.key)) draft.optOuts.delete(c.key); else draft.optOuts.add(c.key);
        refreshChoices(session, gpc, button.id);
      }, draft.optOuts.has(c.key) !== base.optOuts.has(c.key));
  }));
  renderHistory(state);
}

// Re-renders the switches after a toggle, keeping focus on the same one.
function refreshChoices(session, gpc, focusId) {
  renderChoices(session, gpc);
  byId('choices-status').textContent = '';
  if (focusId) byId(focusId).focus();
}

// What Save sends: the purposes and opt-outs that differ from the
// decisions in force (every purpose for a blank state; never marketing
// while GPC is sent).
export function changes(session, gpc) {
  const base = baseline(session.consent);
  const draft = session.draft;
  const body = {};
  for (const p of PURPOSES) {
    if (p.key === 'marketing' && gpc) continue;
    if (draft.purposes[p.key] !== base.purposes[p.key]) (body.purposes ||= {})[p.key] = draft.purposes[p.key];
  }
  const sameOptOuts = draft.optOuts.size === base.optOuts.size && [...draft.optOuts].every((c) => base.optOuts.has(c));
  if (!sameOptOuts) body.category_opt_outs = CATEGORIES.map((c) => c.key).filter((c) => draft.optOuts.has(c));
  return body;
}

function renderHistory(state) {
  const history = [...(state.history || [])].reverse();
  const total = state.history_total || history.length;
  if (!history.length) {
    replace(byId('history-body'), h('p', {}, 'You have made no decisions yet.'));
    return;
  }
  const items = history.map((record) => {
    const parts = Object.entries(record.purposes || {}).map(([key, yes]) => `${purposeName(key)}: ${yes ? 'yes' : 'no'}`);
    if (Array.isArray(record.category_opt_outs)) {
      parts.push(record.category_opt_outs.length
        ? `Kinds of data not to use: ${record.category_opt_outs.map(categoryName).join(', ')}`
        : 'All kinds of data may be used');
    }
    if (!parts.length) parts.push('Your devices were joined; no choice was changed');
    return h('li', {}, h('strong', {}, formatDate(record.at, true)), ` (${sourceWords(record.source)}): ${parts.join('; ')}.`);
  });
  replace(byId('history-body'),
    h('ol', { class: 'history', reversed: true }, items),
    total > history.length ? h('p', { class: 'hint' }, `Showing your latest ${history.length} of ${total} decisions. Download your data for all of them.`) : null);
}

// Empties everything the choices showed of the shopper.
export function clearChoices() {
  for (const id of ['purpose-list', 'category-list', 'history-body']) replace(byId(id));
  byId('choices-status').textContent = '';
}
