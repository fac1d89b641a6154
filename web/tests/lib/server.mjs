// A real `confide serve` on a temporary data directory and free port, raw
// HTTP requests to it, and shopper tokens.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REGION, assert, waitFor } from './harness.mjs';

// The regions of the configuration: `us` (opt-out) and `eu` (opt-in) are
// hosted here; `apac` is configured but served elsewhere, so that a key
// reaching only it reaches nothing on this node.
export const HOSTED = ['us', 'eu'];
export const ELSEWHERE = 'apac';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A raw HTTP request: {status, headers, body, json}.
export function httpRequest(base, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(target, base);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method,
      agent: false,
      headers: {
        ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// ------------------------------------------------------------------ the server

export class Server {
  constructor(args) {
    this.args = args;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confide-web-tests-'));
    this.dataDir = path.join(this.dir, 'data');
    this.configPath = path.join(this.dir, 'confide.toml');
    this.child = null;
    this.exited = null;
    this.keys = {};
  }

  // A new API key from `confide keys new`: {token, entry}.
  newKey(scopes, regions) {
    const made = execFileSync(this.args.confide, ['keys', 'new', '--scopes', scopes, '--regions', regions], { encoding: 'utf8' });
    const key = /\b(ck_[A-Za-z0-9_]+)/.exec(made);
    const entry = made.slice(made.indexOf('[[api_keys]]'));
    assert(key && entry.startsWith('[[api_keys]]'), '`confide keys new` printed no key and entry');
    return { token: key[1], entry: entry.trim() };
  }

  async start() {
    // The suite's own key, and the console's: a dsar key of one region and
    // one for a region not hosted here.
    const admin = this.newKey('admin', '*');
    const dsar = this.newKey('dsar', REGION);
    const elsewhere = this.newKey('dsar', ELSEWHERE);
    this.adminKey = admin.token;
    this.keys = { admin: admin.token, dsar: dsar.token, elsewhere: elsewhere.token };
    // The shopper-token key, given so that the tests can mint an expired token.
    this.tokenKeyId = 'webtest';
    this.tokenKey = crypto.randomBytes(32);
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    const config = [
      `data_dir = ${JSON.stringify(this.dataDir)}`,
      `listen = "127.0.0.1:${this.port}"`,
      'threads = 2',
      'shutdown_grace_seconds = 0',
      'shutdown_timeout_seconds = 5',
      `hosted_regions = ${JSON.stringify(HOSTED)}`,
      '[recommend]',
      'retrain_hours = 0',
      'max_per_category = 2',
      '[[regions]]',
      'id = "us"',
      'legal_basis = "opt_out"',
      'currency = "USD"',
      '[[regions]]',
      'id = "eu"',
      'legal_basis = "opt_in"',
      'currency = "EUR"',
      '[[regions]]',
      `id = "${ELSEWHERE}"`,
      'legal_basis = "opt_in"',
      'currency = "SGD"',
      `endpoint = "https://${ELSEWHERE}.example"`,
      '',
      admin.entry,
      '',
      dsar.entry,
      '',
      elsewhere.entry,
      '',
    ].join('\n');
    fs.writeFileSync(this.configPath, config, { mode: 0o600 });
    await this.spawn();
  }

  // Starts `confide serve` on the configuration and data written by start().
  async spawn() {
    const { confide, webRoot } = this.args;
    const log = fs.openSync(path.join(this.dir, 'serve.log'), 'a');
    const argv = ['serve', '--config', this.configPath];
    if (webRoot) argv.push('--web-root', webRoot);
    this.child = spawn(confide, argv, {
      stdio: ['ignore', log, log],
      env: { ...process.env, CONFIDE_TOKEN_KEY_US: `${this.tokenKeyId}:${this.tokenKey.toString('hex')}` },
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    let gone = null;
    this.exited.then((how) => { gone = how; });
    await waitFor('/readyz', async () => {
      if (gone) throw new Error(`confide serve exited (${gone.code ?? gone.signal}): ${this.logTail()}`);
      const r = await httpRequest(this.base, 'GET', '/readyz');
      return r.status === 200;
    }, 30_000);
  }

  logTail() {
    try {
      return fs.readFileSync(path.join(this.dir, 'serve.log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return '';
    }
  }

  // An admin request to the API.
  api(method, target, body, headers = {}) {
    return this.apiAs(this.adminKey, method, target, body, headers);
  }

  // A request with another credential.
  apiAs(key, method, target, body, headers = {}) {
    return httpRequest(this.base, method, target, { body, headers: { Authorization: `Bearer ${key}`, ...headers } });
  }

  // Stops the process (SIGINT, then SIGKILL after 10 s), keeping the directory.
  async halt() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  // Stops and starts again on the same directory, port and keys, running
  // `whileStopped` (which may throw) in between.
  async restart(whileStopped = () => {}) {
    await this.halt();
    try {
      await whileStopped();
    } finally {
      await this.spawn();
    }
  }

  async stop() {
    await this.halt();
    if (!this.args.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------ shopper tokens

export async function mintToken(server, customerId, ttlSeconds = 900) {
  const r = await server.api('POST', `/v1/${REGION}/shopper-tokens`, { customer_id: customerId, ttl_seconds: ttlSeconds });
  assert(r.status === 200 && r.json && r.json.token, `POST shopper-tokens: ${r.status} ${r.body}`);
  return r.json.token;
}

// A token signed with the region's token key whose lifetime ended an hour
// ago (as a backend mints them: docs/api.md, Shopper tokens).
export function mintExpiredToken(server, customerId) {
  const now = Math.floor(Date.now() / 1000);
  const payload = ['v2', server.tokenKeyId, REGION, 'customer', now - 7200, now - 3600, crypto.randomBytes(8).toString('hex'),
    'consent,export,erase', customerId].join('|');
  const mac = crypto.createHmac('sha512', server.tokenKey).update(payload).digest().subarray(0, 32);
  return `st_${Buffer.from(payload).toString('base64url')}.${mac.toString('base64url')}`;
}

// The same token with its signature changed.
export function forge(token) {
  const last = token.at(-1);
  return token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}
