// Building the DOM without HTML strings. The pages run under Trusted Types
// with no policy, so innerHTML and friends throw: every element is made
// with createElement, every piece of text (trusted or not) goes in as a
// text node, and attributes are set one by one (never an on* handler).

// h('p', {class: 'hint'}, 'text', child, ...): an element. Attributes whose
// value is false, null or undefined are left out; true sets an empty one.
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

// svg('circle', {cx: 1, cy: 2, r: 3}): an SVG element, made like h() makes
// HTML ones (no HTML string, no on* attribute).
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attributes, children);
}

// Sets h()'s attributes on `element` and appends its children.
function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (/^on/i.test(name)) throw new Error(`event attributes are not allowed: ${name}`);
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

// Appends children: nodes as they are, strings and numbers as text, arrays
// flattened, null and undefined skipped.
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces every child of `parent`.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, ...children);
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

// Shows exactly one of `elements` (the others get the hidden attribute).
export function showOnly(shown, elements) {
  for (const element of elements) element.hidden = element !== shown;
}

// Fills a page's message state (#message-title, #message-body): a title,
// paragraphs (text or nodes) and, when given, one action button.
export function fillMessage(title, paragraphs, action) {
  replace(byId('message-title'), title);
  const body = byId('message-body');
  replace(body, paragraphs.map((p) => (p instanceof Node ? p : h('p', {}, p))));
  if (action) {
    const button = h('button', { type: 'button' }, action.label);
    button.addEventListener('click', action.run);
    append(body, h('div', { class: 'actions' }, button));
  }
}

// A definition list of [label, value] pairs.
export function facts(pairs, className = 'facts') {
  const list = h('dl', { class: className });
  for (const [label, value] of pairs) append(list, h('dt', {}, label), h('dd', {}, value));
  return list;
}

// A wide table in a box that scrolls sideways on a narrow screen, named
// after its caption. The box always takes keyboard focus, so that keyboard
// users can scroll it whatever its width or content at the moment.
export function scrollBox(label, table) {
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}
