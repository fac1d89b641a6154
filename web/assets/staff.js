// The staff session, shared by the staff pages (the merchandiser's console
// /console/merch/ and the store associate's page /console/store/).
//
// A staff token (docs/api.md: "sf_" tokens, minted by an admin with
// POST /v1/{region}/staff/sessions) arrives in the address's fragment,
// which no server sees. It is removed from the address bar (and so from the
// tab's history entry) before anything else runs, then exchanged once
// (POST /v1/{region}/staff/sessions/open) for a session token kept in this
// module's memory only: never in storage, a cookie, the DOM or an address.
// The server refuses the link's token from then on, so the address the
// browser's history database recorded before this ran opens nothing.
// "End session", the token's expiry, a refusal (401) and closing the tab
// forget it.
import { ApiError, base64UrlDecode, request, requestNdjson, regionPath } from '/assets/api.js';

// The open session. `generation` changes whenever a session ends or opens:
// a page notes it before an await and drops the answer when it changed.
export const staff = {
  token: null,   // the session token, in memory only
  claims: null,  // {keyId, region, role, storeId, issuedAt, expiresAt, tokenId, apiKeyId}
  generation: 0,
};

const handlers = [];
let clock = 0;

// Why openFromFragment failed before asking the server: the Error's
// `reason` is 'no_link' (no sf_ token in the fragment), 'bad_link' (not a
// staff token's shape), 'wrong_role' (a token for another page) or
// 'expired'. Its message is in plain words for the page.
export class StaffLinkError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'StaffLinkError';
    this.reason = reason;
  }
}

const ROLES = new Set(['merchandiser', 'associate']);

// What a staff token says about itself: "sf_" + base64url(payload) + "." +
// base64url(mac), payload "s1|<token key id>|<region>|<role>|<issued unix s>|
// <expiry unix s>|<token id, 16 hex>|<api key id>|<store id or empty>".
// The MAC is the server's to check; this only reads the payload. Throws an
// Error on anything that is not a staff token's shape.
export function readStaffToken(text) {
  const match = /^sf_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(String(text || ''));
  if (!match) throw new Error('not a staff token');
  let payload;
  try {
    payload = base64UrlDecode(match[1]);
  } catch {
    throw new Error('not a staff token');
  }
  const fields = payload.split('|');
  if (fields.length < 10 || fields[0] !== 's1') throw new Error('not a staff token of this version');
  const [, keyId, region, role, issued, expiry, tokenId, apiKeyId, use] = fields;
  const storeId = fields.slice(9).join('|');  // last: a store id may hold '|'
  if (use !== 'link' && use !== 'session') throw new Error('a staff token with unreadable fields');
  const issuedAt = Number(issued);
  const expiresAt = Number(expiry);
  if (!/^[a-z0-9_-]+$/i.test(region) || !ROLES.has(role) || !/^\d+$/.test(issued) || !/^\d+$/.test(expiry) ||
      !Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt) || !/^[0-9a-f]{16}$/i.test(tokenId) ||
      (role === 'associate' && !storeId)) {
    throw new Error('a staff token with unreadable fields');
  }
  return { keyId, region, role, storeId: storeId || null, issuedAt, expiresAt, tokenId, apiKeyId };
}

const ROLE_WORDS = { merchandiser: "the merchandiser's console", associate: "the store associate's page" };

// Takes the sf_ token from the fragment (the address bar is cleaned first,
// whatever follows), checks it is for `role` and not expired, exchanges it
// for a session token and keeps that. Returns the claims. Throws a
// StaffLinkError (see above) before asking the server, or the ApiError of
// the server's refusal (401: used already, expired, forged, key rotated).
// With no sf_ token in the fragment it throws 'no_link' and leaves an open
// session alone; with one, any session open before is ended first (without
// calling the handlers).
export async function openFromFragment(role) {
  const fragment = location.hash.slice(1);
  const isToken = fragment.startsWith('sf_');
  if (!isToken) {
    throw new StaffLinkError('no_link', 'This page opens only from a staff link, which holds a key for a short session.');
  }
  history.replaceState(null, '', location.pathname + location.search);
  end();
  let claims;
  try {
    claims = readStaffToken(fragment);
  } catch {
    throw new StaffLinkError('bad_link', 'The link you opened is incomplete or damaged.');
  }
  if (claims.role !== role) {
    throw new StaffLinkError('wrong_role',
      `This link is for ${ROLE_WORDS[claims.role] || 'another page'}, not for this page. Open it from the page it was made for, or ask for a new link.`);
  }
  if (claims.expiresAt * 1000 <= Date.now()) {
    throw new StaffLinkError('expired', 'This link has expired: staff links work for a short time only.');
  }
  const generation = staff.generation;
  const opened = await request(fragment, 'POST', regionPath(claims.region, '/staff/sessions/open'));
  if (staff.generation !== generation) throw new ApiError(401, 'unauthenticated', 'the session was replaced meanwhile');
  let sessionClaims;
  try {
    sessionClaims = readStaffToken(opened && opened.token);
  } catch {
    throw new ApiError(500, 'internal', 'the server answered a session token of an unknown shape');
  }
  if (sessionClaims.role !== role || sessionClaims.region !== claims.region) {
    throw new ApiError(500, 'internal', 'the server answered a session token for another role or region');
  }
  staff.token = opened.token;
  staff.claims = sessionClaims;
  staff.generation += 1;
  clock = setInterval(checkExpiry, 1000);
  return sessionClaims;
}

function finish(reason) {
  end();
  for (const handler of handlers.slice()) {
    try {
      handler(reason);
    } catch (error) {
      console.error(error);
    }
  }
}

function checkExpiry() {
  if (staff.claims && staff.claims.expiresAt * 1000 <= Date.now()) finish('expired');
}

// request() with the session token on a route of the session's region:
// call('GET', '/models/history', undefined, {limit: 20}). A 401 ends the
// session (the onEnded handlers get 'refused', or 'expired' when the
// token's time is up) and the promise still rejects with the ApiError.
// Without a session it rejects with a 401 ApiError and calls nothing.
export function call(method, suffix, body, query) {
  return withSession((token, path) => request(token, method, path, body), suffix, query);
}

// The same for an NDJSON route (catalog/export): resolves to its records.
export function callNdjson(suffix, query) {
  return withSession((token, path) => requestNdjson(token, path), suffix, query);
}

async function withSession(send, suffix, query) {
  if (!staff.token) throw new ApiError(401, 'unauthenticated', 'the session has ended');
  const generation = staff.generation;
  try {
    return await send(staff.token, regionPath(staff.claims.region, suffix, query));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && staff.generation === generation) {
      finish(staff.claims && staff.claims.expiresAt * 1000 <= Date.now() ? 'expired' : 'refused');
    }
    throw error;
  }
}

// Forgets the token and claims (the page's "End session"). It does not call
// the onEnded handlers: the page that ends the session says so itself.
export function end() {
  clearInterval(clock);
  clock = 0;
  staff.token = null;
  staff.claims = null;
  staff.generation += 1;
}

// handler(reason), reason 'expired' or 'refused': the session ended without
// the page asking (its time ran out, or the server refused the token).
// The page then empties every section that shows data and says how to get
// a new link.
export function onEnded(handler) {
  handlers.push(handler);
}

// The whole minutes left in the session (rounded up), 0 when none.
export function minutesLeft() {
  if (!staff.claims) return 0;
  const left = staff.claims.expiresAt * 1000 - Date.now();
  return left > 0 ? Math.ceil(left / 60000) : 0;
}
