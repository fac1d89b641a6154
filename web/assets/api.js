// Talking to Confide's API from a page of the same origin.
//
// Credentials travel only in the Authorization header: never a cookie
// (credentials: 'omit'), a query string, localStorage or sessionStorage.
// The caller keeps its token (a shopper token or an API key) in memory and
// passes it to each call.

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message || `the server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;       // 0: the request never got an answer
    this.code = code || '';
    this.field = field || '';
    this.retryAfter = retryAfter; // seconds, for 429 and 503
  }
}

// One request. `body` (an object) is sent as JSON. Resolves to the parsed
// JSON answer (null for an empty body); rejects with an ApiError.
export async function request(token, method, path, body) {
  const text = await send(token, method, path, body, 'application/json');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// A GET of an NDJSON route (catalog/export): resolves to its records, one a
// line (a line that is not JSON is skipped); rejects with an ApiError.
export async function requestNdjson(token, path) {
  const text = await send(token, 'GET', path, undefined, 'application/x-ndjson, application/json');
  const records = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // not a record: skipped
    }
  }
  return records;
}

// The request itself: resolves to the answer's text, rejects with an
// ApiError carrying the error document's code, message and field.
async function send(token, method, path, body, accept) {
  if (!path.startsWith('/v1/')) throw new Error('only API paths are requested');
  const headers = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = {
    method,
    headers,
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
    referrerPolicy: 'no-referrer',
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'unreachable', 'the server could not be reached');
  }
  const text = await response.text();
  if (!response.ok) {
    let error = {};
    try {
      error = JSON.parse(text).error || {};
    } catch {
      error = {};
    }
    const retry = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, error.code, error.message, error.field, Number.isFinite(retry) ? retry : undefined);
  }
  return text;
}

// A region, customer and id kind as a route's path and query:
// shopperPath({region:'eu', id:'C 1', idKind:'customer'}, '/consent')
// -> '/v1/eu/customers/C%201/consent?id_kind=customer'.
export function shopperPath(shopper, suffix = '', query = {}) {
  const params = new URLSearchParams({ id_kind: shopper.idKind, ...query });
  return `/v1/${encodeURIComponent(shopper.region)}/customers/${encodeURIComponent(shopper.id)}${suffix}?${params}`;
}

// A region's route with its query, leaving out empty values:
// regionPath('eu', '/audit', {action: 'export', cursor: ''})
// -> '/v1/eu/audit?action=export'.
export function regionPath(region, suffix, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `/v1/${encodeURIComponent(region)}${suffix}${search ? `?${search}` : ''}`;
}

// The text a base64url (no padding) string holds, as UTF-8; throws when it is not one.
export function base64UrlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

const ID_KINDS = new Set(['customer', 'anonymous', 'loyalty']);
const REACHES = new Set(['consent', 'export', 'erase']);

// What a shopper token says about itself (docs/api.md, Shopper tokens):
// "st_" + base64url(payload) + "." + signature, payload
// "v2|<key id>|<region>|<id_kind>|<issued at>|<expiry>|<token id>|<reach>|<id>".
// The signature is the server's to check; this only reads the payload.
// Throws on anything that is not a token's shape.
export function readShopperToken(token) {
  const match = /^st_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match) throw new Error('not a shopper token');
  const fields = base64UrlDecode(match[1]).split('|');
  if (fields.length < 9 || fields[0] !== 'v2') throw new Error('not a shopper token of this version');
  const [, keyId, region, idKind, issued, expiry, tokenId, reach] = fields;
  const id = fields.slice(8).join('|');
  const issuedAt = Number(issued);
  const expiresAt = Number(expiry);
  const reaches = reach.split(',').filter(Boolean);
  if (!/^[a-z0-9_-]+$/i.test(region) || !ID_KINDS.has(idKind) || !id || !Number.isSafeInteger(issuedAt) ||
      !Number.isSafeInteger(expiresAt) || reaches.some((r) => !REACHES.has(r))) {
    throw new Error('a shopper token with unreadable fields');
  }
  return { keyId, region, idKind, id, tokenId, issuedAt, expiresAt, reach: new Set(reaches) };
}
