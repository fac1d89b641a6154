// The privacy center's "Show a code at the counter": a six-character code
// (POST .../customers/{id}/counter-code with the shopper's session token)
// that the shopper shows a store associate, who types it (or scans the QR
// text) into the store's counter page to see, in that one store and for
// fifteen minutes, what the shopper's choices allow. The code lives in
// this module's memory and the DOM only while it is open; a new code
// closes the one before (the server keeps one per shopper).
import { h, replace, byId } from '/assets/dom.js';
import { ApiError } from '/assets/api.js';

let api = null;     // {call, refused}: privacy.js's request and its handling of a refused session
let shown = null;   // {expiresAt (ms)} of the code on screen
let clock = 0;
let epoch = 0;      // changes whenever the code is forgotten: older answers are dropped

function minutesText(expiresAt) {
  const left = expiresAt - Date.now();
  if (left < 60_000) return 'less than a minute';
  const minutes = Math.ceil(left / 60_000);
  return `${minutes} more minute${minutes === 1 ? '' : 's'}`;
}

function tick() {
  if (!shown) return;
  if (shown.expiresAt <= Date.now()) {
    forget();
    byId('counter-status').textContent = 'Your code has run out. If you are still at the counter, make a new one.';
    return;
  }
  const text = `It works for ${minutesText(shown.expiresAt)}, in the first store where it is used.`;
  const node = document.getElementById('counter-time');
  if (node && node.textContent !== text) node.textContent = text;
}

function forget() {
  epoch += 1;
  shown = null;
  clearInterval(clock);
  clock = 0;
  replace(byId('counter-body'));
  byId('counter-start').textContent = 'Show a code at the counter';
}

function show(answer) {
  const code = String(answer?.code || '');
  const expiresAt = Date.parse(answer?.expires_at);
  if (!/^[0-9A-Z]{6}$/.test(code) || !Number.isFinite(expiresAt)) {
    byId('counter-status').textContent = 'The shop answered something that is not a code. Please try again.';
    return;
  }
  shown = { expiresAt };
  const qr = typeof answer.qr_text === 'string' ? answer.qr_text : '';
  replace(byId('counter-body'),
    h('div', { class: 'counter-code', id: 'counter-code' },
      h('p', { class: 'visually-hidden' }, `Your code: ${code.split('').join(' ')}`),
      h('p', { class: 'code', 'aria-hidden': 'true' }, code.split('').map((c) => h('span', {}, c))),
      h('p', { class: 'code-time', id: 'counter-time' })),
    qr ? h('p', { class: 'counter-qr' }, 'For the store\'s scanner: ', h('span', { class: 'mono', id: 'counter-qr' }, qr)) : null,
    h('p', { class: 'hint' }, 'Show it to the store associate only. Making a new code closes this one.'));
  byId('counter-start').textContent = 'Make a new code';
  tick();
  clearInterval(clock);
  clock = setInterval(tick, 1000);
}

async function makeCode() {
  const button = byId('counter-start');
  const status = byId('counter-status');
  button.disabled = true;
  status.textContent = 'Making your code…';
  forget();
  const mine = epoch;
  try {
    const answer = await api.call('POST', '/counter-code');
    if (mine !== epoch) return;  // the session ended meanwhile
    show(answer);
    if (shown) status.textContent = 'Your code is ready: show it at the counter.';
  } catch (error) {
    if (mine !== epoch) return;
    if (error instanceof ApiError && error.status === 401) {
      api.refused();
      return;
    }
    status.textContent = error instanceof ApiError && error.status === 404
      ? 'We hold nothing about you yet, so there is nothing to show at the counter.'
      : error instanceof ApiError && error.status === 429
        ? `Too many codes at once. Please wait ${error.retryAfter || 'a few'} seconds and try again.`
        : 'Your code could not be made. Please try again in a moment.';
  } finally {
    if (mine === epoch) button.disabled = false;
  }
}

// privacy.js's request (call(method, suffix, body, query) on the
// shopper's routes) and what to do when the server refuses the session.
export function initCounterCode({ call, refused }) {
  api = { call, refused };
  byId('counter-start').addEventListener('click', makeCode);
}

export function showCounterCode() {
  byId('counter').hidden = false;
}

// The session ended: the code and the section are forgotten.
export function clearCounterCode() {
  forget();
  byId('counter-start').disabled = false;
  byId('counter-status').textContent = '';
  byId('counter').hidden = true;
}
