/**
 * The requests of the hostile-requests test, and the rule that judges each
 * answer. `generate(seed, n, target)` is deterministic: the same seed gives
 * the same requests, so a failure is replayed by its seed and number.
 *
 * A case starts as a request a client may make to one route family (tools,
 * resources, prompts, documents, docs, `/mcp` in either era, the OAuth pages,
 * health), marked `pass` when a 2xx or 3xx is a right answer, and then takes
 * up to four mutations: of the method, the path (percent-encoding, dot
 * segments), the headers (missing, duplicated, oversized, wrong), the body
 * (truncated, wrongly encoded, deeply nested, huge numbers, wrong types and
 * charsets), or of the bytes on the wire (sent raw, test/helpers/raw-http.ts).
 * A mutation that makes the request one a server must refuse clears `pass`.
 */
import zlib from 'node:zlib';
import { randomFrom, type Random } from '../helpers/prng.js';
import { serialize, type Answer, type Outcome, type Req } from '../helpers/raw-http.js';

export type Family = 'tools' | 'resources' | 'prompts' | 'documents' | 'docs' | 'mcp' | 'oauth' | 'health';
export const FAMILIES: readonly Family[] = ['tools', 'resources', 'prompts', 'documents', 'docs', 'mcp', 'oauth', 'health'];

export interface Target {
  /** `host:port` of the mcpo under test. */
  host: string;
  key: string;
  /** Open 2025-era sessions, by endpoint path (`/mcp`, `/everything/mcp`). */
  sessions: Record<string, string>;
  bodyLimit: number;
}

export interface Case {
  n: number;
  family: Family;
  req: Req;
  /** Bytes to write on a raw socket instead of `req`: HTTP that Node's client would not send. */
  raw?: Buffer;
  /** A 2xx (or the 3xx of a redirecting page) is a right answer. */
  pass: boolean;
  /** The request's body ends before its length says and the client half-closes: no answer is no failure. */
  cut: boolean;
  /** Answered by an MCP endpoint, where a JSON-RPC error is a well-formed error too. */
  mcp: boolean;
  /** An OAuth page, which answers a person's browser in HTML. */
  html: boolean;
  /** The key is needed (a stripped or wrong key must not pass). */
  guarded: boolean;
  /** The body is wrong: a route that reads it must refuse it (a GET ignores its body). */
  bodyBroken: boolean;
  /** The request breaks a rule that holds before any route (Host, Origin, Expect, the size of its head, HTTP itself). */
  door: boolean;
  what: string[];
}

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const word = (r: Random) => r.pick(['hi', '', 'ünïcödé', 'a b', '<b>x</b>', 'x'.repeat(300), '\u0000', '😀']);

type Base = Omit<Case, 'n' | 'cut' | 'what' | 'raw' | 'req' | 'bodyBroken' | 'door'> & { method: string; path: string; headers: [string, string][]; body?: Buffer };

/** One request a client may make, per family; `pass` says whether it should succeed as it is. */
const BASES: Record<Family, (r: Random, t: Target) => Base> = {
  tools(r) {
    const [path, pass, body] = r.pick<[string, boolean, unknown]>([
      ['/legacy/echo', true, { message: 'hi' }],
      ['/modern/echo', true, { message: 'hi' }],
      ['/everything/echo', true, { message: 'hi' }],
      ['/legacy/structured', true, {}],
      ['/legacy/nullable_enum', false, { level: 7 }],
      ['/modern/confirm_action', false, {}],
      ['/locked/whoami', false, {}],
      ['/down/anything', false, {}],
      ['/nowhere/echo', false, {}],
      ['/legacy/no_such_tool', false, {}],
    ]);
    return { family: 'tools', method: 'POST', path, headers: [['content-type', 'application/json']], body: json(r.chance(0.8) ? body : { message: word(r) }), pass, mcp: false, html: false, guarded: true };
  },
  resources(r) {
    const [path, pass] = r.pick<[string, boolean]>([
      ['/everything/resources', true], ['/modern/resources', true], ['/modern/resources/templates', true], ['/everything/resources/templates', true],
      ['/modern/resources/read?uri=test%3A%2F%2Fstatic%2Ftext', true], ['/modern/resources/read?uri=test://template/7/data', true],
      ['/modern/resources/read?uri=test://nothing', false], ['/modern/resources/read', false], ['/legacy/resources', false], ['/down/resources', false],
    ]);
    return { family: 'resources', method: 'GET', path, headers: [], pass, mcp: false, html: false, guarded: true };
  },
  prompts(r) {
    const [method, path, pass, body] = r.pick<[string, string, boolean, unknown]>([
      ['GET', '/modern/prompts', true, undefined], ['GET', '/everything/prompts', true, undefined],
      ['POST', '/modern/prompts/describe', true, { topic: 'cats' }], ['POST', '/modern/prompts/describe', false, { topic: 1 }],
      ['POST', '/modern/prompts/nope', false, {}], ['GET', '/modern/prompts/describe', false, undefined],
    ]);
    const headers: [string, string][] = body === undefined ? [] : [['content-type', 'application/json']];
    return { family: 'prompts', method, path, headers, ...(body === undefined ? {} : { body: json(body) }), pass, mcp: false, html: false, guarded: true };
  },
  documents(r) {
    const path = r.pick(['/openapi.json', '/legacy/openapi.json', '/modern/openapi.json', '/everything/openapi.json', '/down/openapi.json', '/locked/openapi.json']);
    return { family: 'documents', method: 'GET', path, headers: [], pass: true, mcp: false, html: false, guarded: false };
  },
  docs(r) {
    const path = r.pick(['/', '/docs', '/docs/', '/docs/init.js', '/docs/swagger-ui.css', '/modern/docs', '/legacy/docs/init.js', '/docs/nothing.js', '/docs/%2e%2e%2fpackage.json']);
    return { family: 'docs', method: 'GET', path, headers: [], pass: !/nothing|%2e/.test(path), mcp: false, html: false, guarded: false };
  },
  health(r) {
    return { family: 'health', method: 'GET', path: r.pick(['/healthz', '/readyz']), headers: [], pass: true, mcp: false, html: false, guarded: false };
  },
  oauth(r) {
    const [path, pass] = r.pick<[string, boolean]>([
      ['/oauth/locked/callback?state=forged&code=x', false], ['/oauth/locked/callback', false], ['/oauth/locked/callback?error=access_denied&state=x', false],
      ['/oauth/nobody/authorize', false], ['/oauth/locked/elsewhere', false], ['/oauth/legacy/callback?state=s', false], ['/oauth/locked/authorize', true],
    ]);
    // The authorize page starts a real flow at the fixture; a few are enough.
    const chosen = path.endsWith('/authorize') && !path.includes('nobody') && !r.chance(0.1) ? '/oauth/locked/callback?state=&code=' : path;
    return { family: 'oauth', method: 'GET', path: chosen, headers: [], pass: chosen === path && pass, mcp: false, html: true, guarded: chosen.endsWith('/authorize') };
  },
  mcp(r, t) {
    const path = r.pick(['/mcp', '/modern/mcp', '/everything/mcp', '/legacy/mcp', '/down/mcp']);
    const echo = path === '/mcp' ? 'modern_echo' : 'echo';
    const legacy = t.sessions[path] !== undefined && r.chance(0.4);
    const headers: [string, string][] = [['content-type', 'application/json'], ['accept', 'application/json, text/event-stream']];
    const method = r.pick(['tools/list', 'ping', 'prompts/list', 'resources/list', 'tools/call', r.chance(0.1) ? 'initialize' : 'tools/list']);
    const params: Record<string, unknown> = method === 'tools/call' ? { name: echo, arguments: { message: word(r) } } : {};
    if (legacy) {
      headers.push(['mcp-session-id', t.sessions[path]!], ['mcp-protocol-version', '2025-11-25']);
    } else if (method === 'initialize') {
      Object.assign(params, { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } });
    } else {
      params._meta = MODERN_META;
      headers.push(['mcp-protocol-version', '2026-07-28'], ['mcp-method', method]);
      if (method === 'tools/call') headers.push(['mcp-name', echo]);
    }
    const body = r.chance(0.7) ? json({ jsonrpc: '2.0', id: r.int(1000), method, params }) : rpcGarbage(r, method, params);
    return { family: 'mcp', method: 'POST', path, headers, body, pass: true, mcp: true, html: false, guarded: true };
  },
};

/** JSON-RPC that is not quite right: a 200 with a JSON-RPC error is a right answer to it, as the transport decides. */
function rpcGarbage(r: Random, method: string, params: unknown): Buffer {
  const one = { jsonrpc: '2.0', id: 1, method, params };
  return json(r.pick<unknown>([
    [one, { ...one, id: 2 }], [], [1, 2], { ...one, jsonrpc: '1.0' }, { ...one, id: { a: 1 } }, { ...one, id: 1e308 }, { ...one, method: 42 },
    { ...one, params: [1, 2] }, { jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } }, { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: null, method }, { ...one, method: 'no/such/method' }, { ...one, method: 'subscriptions/nope' }, { ...one, id: 'x'.repeat(10_000) },
    { ...one, method: 'tools/call', params: { name: '../../etc/passwd', arguments: 'nope' } }, { ...one, method: 'resources/read', params: { uri: 'file:///etc/passwd' } },
  ]));
}

/** 4 MB of JSON-ish text in 4 KB of gzip: over the limit once inflated. */
const BOMB = zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x61));
const deep = (n: number, open: string, close: string) => Buffer.from(`{"a":${open.repeat(n)}1${close.repeat(n)}}`);

/** Bodies that are wrong in one way each; the label names the way. */
function badBody(r: Random, t: Target): [string, Buffer] {
  return r.pick<() => [string, Buffer]>([
    () => ['truncated JSON', Buffer.from('{"message": "hi", "a": [1, 2')],
    () => ['~invalid UTF-8', Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}')])],
    () => ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"message":"hi"}', 'utf16le')])],
    () => ['~Latin-1', Buffer.from('{"message":"caf\u00e9"}', 'latin1')],
    () => ['deep arrays', deep(100 + r.int(60_000), '[', ']')],
    () => ['deep objects', deep(65 + r.int(5_000), '{"k":', '}')],
    () => ['huge numbers', Buffer.from(`{"message":"hi","n":1e400,"m":-${'9'.repeat(5000)},"o":1e-400,"p":${'1'.repeat(400)}.5}`)],
    () => ['a huge number as the body', Buffer.from('9'.repeat(1 + r.int(100_000)))],
    () => ['over the body limit', Buffer.from(`{"message":"${'x'.repeat(t.bodyLimit + 10)}"}`)],
    () => ['empty', Buffer.alloc(0)],
    () => ['NUL bytes', Buffer.from([0x7b, 0x00, 0x00, 0x7d])],
    () => ['random bytes', Buffer.from(Array.from({ length: 1 + r.int(300) }, () => r.int(256)))],
    () => ['a JSON array', Buffer.from('[1,2,3]')],
    () => ['__proto__', Buffer.from('{"__proto__":{"polluted":1},"message":"hi"}')],
    () => ['~lone surrogates', Buffer.from('{"message":"\\ud800","k\\udfff":1}')],
    () => ['a huge key', Buffer.from(`{"${'k'.repeat(50_000)}":1}`)],
    () => ['many keys', Buffer.from(`{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`)],
    () => ['a wide array', Buffer.from(`{"list":[${'0,'.repeat(30_000)}0]}`)],
  ])();
}

type Mutation = (r: Random, c: Case, t: Target) => void;
const header = (c: Case, name: string) => c.req.headers.find(([k]) => k.toLowerCase() === name)?.[1];
const setHeader = (c: Case, name: string, value: string | undefined) => {
  c.req.headers = c.req.headers.filter(([k]) => k.toLowerCase() !== name);
  if (value !== undefined) c.req.headers.push([name, value]);
};
const withBody = (c: Case, body: Buffer) => {
  c.req.body = body;
  if (!header(c, 'content-type')) c.req.headers.push(['content-type', 'application/json']);
};

/** Percent-encodings and dot segments, at a random place in the path. */
const PATH_BITS = ['%2F', '%2f', '%252F', '%00', '%', '%Z1', '%E0%A4%A', '%C0%AE', '%FF', '%2e%2e', '%2E', '..', '.', '%5C', '\\', ';x=1', '%3F', '%23', '%20', '%u002e', '//'];

const MUTATIONS: Record<string, Mutation> = {
  method(r, c) {
    const method = r.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'SEARCH', 'QUERY']);
    // A DELETE with a real session id would end a session the other cases use.
    if (method === 'DELETE' && header(c, 'mcp-session-id')) return;
    c.req.method = method;
    c.what.push(`method ${method}`);
  },
  pathEncoding(r, c) {
    const [path, query] = splitTarget(c.req.path);
    const at = 1 + r.int(Math.max(1, path.length - 1));
    const bit = r.chance(0.3) ? `%${path.charCodeAt(at).toString(16).padStart(2, '0')}` : r.pick(PATH_BITS);
    // An escaped letter may reach the same route; an inserted piece never should, but either answer must be well-formed.
    c.req.path = `${path.slice(0, at)}${bit}${path.slice(at)}${query}`;
    c.what.push(`path ${JSON.stringify(bit)} at ${at}`);
  },
  dotSegments(r, c) {
    const [path, query] = splitTarget(c.req.path);
    const seg = r.pick(['/./', '/../', '/x/../', '/%2e/', '/%2e%2e/', '/.%2e/', '//', '/..;/', '/%2E%2E%2F']);
    const parts = path.split('/');
    const at = 1 + r.int(Math.max(1, parts.length - 1));
    c.req.path = `${parts.slice(0, at).join('/')}${seg}${parts.slice(at).join('/')}${query}`.replace(/^\/\//, '/');
    c.what.push(`dot segment ${seg}`);
  },
  query(r, c) {
    const junk = r.pick(['uri=%', 'uri=a&uri=b', 'uri[x]=1', '__proto__[polluted]=1', 'timeout=1e999', `q=${'a'.repeat(8000)}`, '%%%', 'a=%FF%FE', 'uri=' + encodeURIComponent('file:///etc/passwd')]);
    c.req.path += (c.req.path.includes('?') ? '&' : '?') + junk;
    c.what.push(`query ${junk.slice(0, 40)}`);
  },
  longPath(r, c) {
    c.req.path = `/${'a'.repeat(2000 + r.int(12_000))}${c.req.path}`;
    c.pass = false;
    c.what.push('a long path');
  },
  noKey(_r, c) {
    setHeader(c, 'authorization', undefined);
    c.what.push('no key');
  },
  wrongKey(r, c, t) {
    setHeader(c, 'authorization', r.pick(['Bearer wrong', 'Bearer', `Bearer ${t.key}x`, `Basic ${Buffer.from('u:wrong').toString('base64')}`, 'Basic %%%', `bearer  ${t.key.slice(1)}`, 'Digest x']));
    c.what.push('a wrong key');
  },
  basicKey(_r, c, t) {
    setHeader(c, 'authorization', `Basic ${Buffer.from(`anyone:${t.key}`).toString('base64')}`);
    c.what.push('the key as Basic');
  },
  duplicateHeader(r, c, t) {
    const [name, value] = r.pick<[string, string]>([
      ['authorization', `Bearer ${t.key}`], ['authorization', 'Bearer wrong'], ['content-type', 'text/plain'], ['content-type', 'application/json'],
      ['accept', 'text/html'], ['x-request-id', 'one'], ['mcp-session-id', 'r0123456789.x'], ['mcp-protocol-version', '2025-03-26'], ['x-tool-timeout', '1'], ['origin', 'https://evil.example'],
    ]);
    const had = header(c, name);
    c.req.headers.push([name, value]);
    // Node keeps the first Authorization and joins the rest; two values may be refused or read as one, never as a stack.
    if (had === undefined && name === 'origin') c.door = true;
    if (name === 'content-type' && value === 'text/plain' && had === undefined) c.bodyBroken = true;
    c.what.push(`a second ${name}`);
  },
  hugeHeader(r, c) {
    c.req.headers.push([`x-${r.pick(['big', 'filler'])}`, 'h'.repeat(17_000 + r.int(50_000))]);
    c.door = true;
    c.what.push('a header over 16 KB');
  },
  manyHeaders(r, c) {
    const count = 50 + r.int(3000);
    for (let i = 0; i < count; i++) c.req.headers.push([`x-h${i}`, String(i)]);
    c.what.push(`${count} headers`);
  },
  oddHeaders(r, c) {
    const [name, value, breaks] = r.pick<[string, string, boolean]>([
      ['x-tool-timeout', r.pick(['0', '-1', 'abc', '1e309', '99999999', '', '0x10']), false], ['x-request-id', r.pick(['x'.repeat(500), 'a b', '<script>'])!, false],
      ['mcp-session-id', r.pick(['', 'r0000000000.nope', 'x'.repeat(2000), '../../'])!, false], ['mcp-protocol-version', r.pick(['1999-01-01', 'banana', '2025-11-25'])!, false],
      ['accept', r.pick(['text/html', '*/*', '', 'application/json;q=0'])!, false], ['origin', r.pick(['https://evil.example', 'null', 'file://'])!, true],
      ['host', r.pick(['evil.example', '127.0.0.1.evil.example', ''])!, true], ['host', r.pick(['localhost:1', 'localhost:x', '[::1', 'LOCALHOST'])!, false], ['content-encoding', r.pick(['compress', 'gzip, gzip', 'identity', 'br', 'x'])!, false],
      ['expect', r.pick(['100-continue', 'teapot'])!, false], ['transfer-encoding', 'identity', false], ['cookie', `a=${'b'.repeat(100)}`, false],
      ['x-forwarded-for', '1.2.3.4', false], ['x-forwarded-host', 'evil.example', false], ['x-http-method-override', 'DELETE', false], ['mcp-method', 'tools/nope', false],
    ]);
    if (name === 'host' || name === 'transfer-encoding') setHeader(c, name, value);
    else c.req.headers.push([name, value]);
    // The Host is judged as it ends up (makeCase), since a later mutation may set another.
    if ((breaks && name !== 'host') || (name === 'expect' && value !== '100-continue')) c.door = true;
    if (name === 'content-encoding' && value !== 'identity') c.bodyBroken = true;
    c.what.push(`${name}: ${value.slice(0, 40)}`);
  },
  noHost(_r, c) {
    setHeader(c, 'host', undefined);
    c.what.push('no Host');
  },
  body(r, c, t) {
    const [label, body] = badBody(r, t);
    withBody(c, body);
    // Bytes that are not UTF-8 are read as U+FFFD, as body-parser reads them: such a body may pass.
    if (!label.startsWith('~')) c.bodyBroken = true;
    c.what.push(`body: ${label}`);
  },
  contentType(r, c) {
    const [type, keeps] = r.pick<[string | undefined, boolean]>([
      ['text/plain', false], ['application/json; charset=utf-16', false], ['application/json; charset=latin1', false], ['application/json; charset=utf-8', true],
      ['application/json; charset="UTF-8"', true], ['APPLICATION/JSON', true], ['application/json;;;', true], ['multipart/form-data; boundary=x', false],
      ['application/x-www-form-urlencoded', false], ['application/jsonx', false], ['application/vnd.api+json', true], [undefined, false], ['', false], ['*/*', false],
    ]);
    setHeader(c, 'content-type', type);
    if (!keeps) c.bodyBroken = true;
    c.what.push(`content-type ${type}`);
  },
  compressed(r, c) {
    const plain = c.req.body;
    if (!plain) return;
    const [encoding, body, keeps] = r.pick<() => [string, Buffer, boolean]>([
      () => ['gzip', zlib.gzipSync(plain), true], () => ['deflate', zlib.deflateSync(plain), true], () => ['br', zlib.brotliCompressSync(plain), true],
      () => ['gzip', plain, false], () => ['gzip', zlib.gzipSync(plain).subarray(0, 12), false], () => ['gzip', BOMB, false],
    ])();
    setHeader(c, 'content-encoding', encoding);
    c.req.body = body;
    if (!keeps) c.bodyBroken = true;
    c.what.push(`${keeps ? '' : 'broken '}${encoding}${body === BOMB ? ' bomb' : ''}`);
  },
};

/** Mutations of the bytes on the wire: the case is then sent on a raw socket. */
const WIRE: Record<string, (r: Random, c: Case, bytes: Buffer) => Buffer> = {
  lyingLength(r, c, bytes) {
    const body = c.req.body ?? Buffer.from('{"message":"hi"}');
    const head = serialize({ ...c.req, headers: [...c.req.headers.filter(([k]) => k.toLowerCase() !== 'content-length'), ['content-length', String(body.length + 1 + r.int(10_000))]], body: Buffer.alloc(0) });
    c.cut = true;
    return Buffer.concat([head, body.subarray(0, r.int(body.length + 1))]);
  },
  duplicateLength(_r, _c, bytes) {
    return insertHeader(bytes, 'Content-Length: 1\r\nContent-Length: 2');
  },
  lengthAndChunked(_r, _c, bytes) {
    return insertHeader(bytes, 'Transfer-Encoding: chunked');
  },
  badChunk(r, c) {
    const headers = c.req.headers.filter(([k]) => k.toLowerCase() !== 'content-length');
    const head = serialize({ ...c.req, headers: [...headers, ['transfer-encoding', 'chunked']], body: Buffer.alloc(0) });
    return Buffer.concat([head, Buffer.from(r.pick(['zz\r\n{}\r\n0\r\n\r\n', '5\r\n{}\r\n0\r\n\r\n', `${'f'.repeat(20)}\r\n{}\r\n0\r\n\r\n`, '2;ext=' + 'e'.repeat(20_000) + '\r\n{}\r\n0\r\n\r\n']))]);
  },
  noColon(_r, _c, bytes) {
    return insertHeader(bytes, 'Bad Header Line');
  },
  folded(_r, _c, bytes) {
    return insertHeader(bytes, 'X-Folded: a\r\n  continued');
  },
  controlInHeader(r, _c, bytes) {
    return insertHeader(bytes, `X-Ctl: a${r.pick(['\u0000', '\u0007', '\u007f', '\u00ff', '\u00e9'])}b`);
  },
  bareLf(_r, _c, bytes) {
    return Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  },
  version(r, _c, bytes) {
    const version = r.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1 extra', 'HTTPS/1.1', '']);
    return Buffer.from(bytes.toString('latin1').replace(/ HTTP\/1\.1\r\n/, ` ${version}\r\n`), 'latin1');
  },
  target(r, c, bytes) {
    const target = r.pick([`http://${header(c, 'host') ?? 'x'}${c.req.path}`, '*', `http://evil.example${c.req.path}`, `${c.req.path}\u00e9`, `${c.req.path} x`, `${c.req.path}#frag`, 'healthz']);
    const line = bytes.indexOf('\r\n');
    const method = c.req.method;
    return Buffer.concat([Buffer.from(`${method} ${target} HTTP/1.1`, 'latin1'), bytes.subarray(line)]);
  },
  method(r, _c, bytes) {
    const method = r.pick(['FOO', 'get', 'CONNECT', 'PRI', 'G E T', 'M-SEARCH', 'SOURCE']);
    return Buffer.concat([Buffer.from(method, 'latin1'), bytes.subarray(bytes.indexOf(' '))]);
  },
  garbageAfter(r, _c, bytes) {
    return Buffer.concat([bytes, Buffer.from(r.pick(['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\n\r\n', '\u0000\u0001\u0002', 'x'.repeat(100)]), 'latin1')]);
  },
};

/** Which wire mutations make a request Node must refuse; the others may still reach a route, and are judged as they are. */
const WIRE_BREAKS: Record<string, 'always' | 'with a length' | 'the body' | 'maybe'> = {
  lyingLength: 'the body', duplicateLength: 'always', lengthAndChunked: 'with a length', badChunk: 'the body', noColon: 'always', folded: 'always',
  controlInHeader: 'maybe', bareLf: 'maybe', version: 'maybe', target: 'maybe', method: 'always', garbageAfter: 'maybe',
};

function insertHeader(bytes: Buffer, lines: string): Buffer {
  const at = bytes.indexOf('\r\n') + 2;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(`${lines}\r\n`, 'latin1'), bytes.subarray(at)]);
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q)];
}

const MUTATION_NAMES = Object.keys(MUTATIONS);
const WIRE_NAMES = Object.keys(WIRE);

/** Case `n` of the run seeded `seed`: the same case every time. */
export function makeCase(seed: number, n: number, t: Target): Case {
  const r = randomFrom((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);
  const family = FAMILIES[n % FAMILIES.length]!;
  const base = BASES[family](r, t);
  const headers: [string, string][] = [['host', t.host], ...base.headers];
  if (base.guarded || r.chance(0.5)) headers.push(['authorization', `Bearer ${t.key}`]);
  const c: Case = { ...base, n, req: { method: base.method, path: base.path, headers, ...(base.body ? { body: base.body } : {}) }, cut: false, bodyBroken: false, door: false, what: [] };
  // One case in eight is sent as it is, so the routes are also seen working.
  const count = r.chance(0.125) ? 0 : 1 + r.int(3);
  for (let i = 0; i < count; i++) MUTATIONS[r.pick(MUTATION_NAMES)]!(r, c, t);
  if (c.req.body) setHeader(c, 'content-length', String(c.req.body.length));
  if (r.chance(0.25)) {
    const name = r.pick(WIRE_NAMES);
    const hadLength = header(c, 'content-length') !== undefined;
    c.raw = WIRE[name]!(r, c, serialize({ ...c.req, headers: [...c.req.headers.filter(([k]) => k.toLowerCase() !== 'connection'), ['connection', 'close']] }));
    if (WIRE_BREAKS[name] === 'always' || (WIRE_BREAKS[name] === 'with a length' && hadLength)) c.door = true;
    if (WIRE_BREAKS[name] === 'the body') c.bodyBroken = true;
    c.what.push(`wire: ${name}`);
  }
  const key = header(c, 'authorization');
  const keyOk = key === `Bearer ${t.key}` || key === `Basic ${Buffer.from(`anyone:${t.key}`).toString('base64')}`;
  // Node refuses header lines over 16 KB with 431; mcpo answers only loopback names (evil.example, '' and none are refused).
  if (c.req.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) > 16 * 1024) c.door = true;
  const host = header(c, 'host');
  if (host === undefined || host === '' || host.includes('evil')) c.door = true;
  // Express answers OPTIONS on any route with its methods; a GET with a session opens the session's stream.
  const method = c.req.method;
  const sameMethod = method === base.method || method === 'OPTIONS' || (method === 'HEAD' && base.method === 'GET') || (c.mcp && method === 'GET' && header(c, 'mcp-session-id') !== undefined);
  if (!sameMethod) c.pass = false;
  // Express answers OPTIONS on any route it has with the route's methods, past the key (with it) and before any body.
  const options = c.req.method === 'OPTIONS';
  c.pass = (options || c.pass) && !c.door && (keyOk || !c.guarded) && !(c.bodyBroken && !options && base.method === 'POST');
  return c;
}

const STACK = [/\n\s*at \S/, /node:internal/, /\/(lib|dist|bin|node_modules)\/[\w./@-]+\.[cm]?[jt]s/, /\.[cm]?[jt]s:\d+:\d+/];
const UPSTREAM = new Set([502, 503, 504]);

/** Why an answer is wrong, or undefined when it is right. */
export function judge(c: Case, outcome: Outcome): string | undefined {
  const [first, ...later] = outcome.answers;
  // A server that answers before reading a body it has no use for closes on the rest, and TCP resets the
  // connection: the answer may be lost on the way. That is the sender's doing, as a request cut short is.
  const reset = (c.req.body?.length ?? 0) > 64 * 1024;
  if (outcome.malformed) return reset ? undefined : `a malformed response: ${outcome.malformed}`;
  if (!first && reset) return undefined;
  if (!first) return c.cut ? undefined : `no answer: ${outcome.error ?? 'closed'}`;
  return judgeOne(c, first, c.req.method === 'HEAD') ?? later.map((a) => judgeOne({ ...c, pass: false, mcp: false, html: false }, a, false)).find(Boolean);
}

function judgeOne(c: Case, a: Answer, head: boolean): string | undefined {
  const text = a.body.toString('utf8');
  const type = a.headers['content-type']?.[0] ?? '';
  if (a.status >= 200 && a.status < 400) {
    if (!c.pass) return `${a.status} to a request that must fail`;
    if (a.status >= 300 && ![301, 302, 307, 308].includes(a.status)) return `a ${a.status}`;
    return undefined;
  }
  if (!(a.status >= 400 && a.status < 500) && !UPSTREAM.has(a.status)) return `status ${a.status}: ${text.slice(0, 300)}`;
  const stack = STACK.find((re) => re.test(text));
  if (stack) return `a stack trace (${stack}) in the body: ${text.slice(0, 500)}`;
  // A HEAD too malformed to parse is answered by a server that cannot know it was one: its body must then be right.
  if (head && a.body.length === 0) return undefined;
  if (c.html && /^text\/html/.test(type)) return undefined;
  // /readyz (and /healthz) answer 503 with the health report itself.
  if (c.family === 'health' && a.status === 503 && /^application\/json/.test(type) && typeof JSON.parse(text).status === 'string') return undefined;
  if (!/^application\/json/.test(type)) return `${a.status} with content-type ${JSON.stringify(type)}: ${JSON.stringify(text.slice(0, 200))}`;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `${a.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  const rest = body?.ok === false && typeof body.error?.code === 'string' && typeof body.error?.message === 'string';
  const rpc = c.mcp && body?.jsonrpc === '2.0' && typeof body.error?.code === 'number' && typeof body.error?.message === 'string';
  return rest || rpc ? undefined : `${a.status} with a body not in the error shape: ${text.slice(0, 200)}`;
}
