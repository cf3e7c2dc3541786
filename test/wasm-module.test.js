// The shipped core must load on every WeChat: WebAssembly 1.0 (MVP + mutable-globals) only,
// nothing iOS rejects, and CommonJS glue that names none of the globals WeChat lacks.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const CORE = path.join(ROOT, 'webrtc-room', 'core');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const MVP = ['--mvp-features', '--enable-mutable-globals'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'room-wasm-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function shippedWasm() {
  return zlib.brotliDecompressSync(fs.readFileSync(path.join(CORE, 'room_bg.wasm.br')));
}

function wasmOpt(bytes, flags, name) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return spawnSync(path.join(BIN, 'wasm-opt'), [file, ...flags, '-o', path.join(tmp, `${name}.out`)], { encoding: 'utf8' });
}

function sections(bytes) {
  const out = [];
  let p = 8;
  const leb = () => { let r = 0, s = 0, x; do { x = bytes[p++]; r += (x & 127) * 2 ** s; s += 7; } while (x & 128); return r; };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    let name = null;
    if (id === 0) { const n = leb(); name = bytes.subarray(p, p + n).toString(); }
    out.push({ id, size, name });
    p = end;
  }
  return out;
}

test('room_bg.wasm.br is a wasm module', () => {
  const bytes = shippedWasm();
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  assert.ok(WebAssembly.validate(bytes));
});

test('binaryen validates it as WebAssembly 1.0 (MVP + mutable-globals)', () => {
  const r = wasmOpt(shippedWasm(), MVP, 'shipped.wasm');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.doesNotMatch(r.stderr + r.stdout, /validator error/);
});

test('its text form has no post-MVP instruction or type', () => {
  const file = path.join(tmp, 'dis.wasm');
  fs.writeFileSync(file, shippedWasm());
  const r = spawnSync(path.join(BIN, 'wasm-dis'), [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const bad = r.stdout.match(/\b(externref|anyref|ref\.null|ref\.func|ref\.is_null|table\.(get|set|grow|size|fill|copy|init)|elem\.drop|memory\.(copy|fill|init)|data\.drop|i(32|64)\.extend(8|16|32)_s|trunc_sat|v128|return_call|try_table|throw)\b/g);
  assert.equal(bad, null, `found: ${[...new Set(bad || [])].join(', ')}`);
});

test('it imports nothing the glue cannot give and exports only functions and memory', () => {
  const m = new WebAssembly.Module(shippedWasm());
  assert.deepEqual(WebAssembly.Module.imports(m), []);
  const exports = WebAssembly.Module.exports(m);
  // iOS WeChat cannot use exported globals; tables are not needed by the glue
  assert.deepEqual(exports.filter((e) => e.kind !== 'function' && e.kind !== 'memory'), []);
  assert.ok(exports.some((e) => e.name === 'handle' && e.kind === 'function'));
  assert.ok(exports.some((e) => e.name === 'memory' && e.kind === 'memory'));
});

test('it carries no custom sections (no target_features, producers or names to ship)', () => {
  assert.deepEqual(sections(shippedWasm()).filter((s) => s.id === 0).map((s) => s.name), []);
});

// wasm-opt runs with --low-memory-unused: nothing may live below address 1024.
test('its stack and data start at address 1024 or above, and the build refuses a module whose do not', () => {
  const { lowMemoryUse } = require('../tools/build');
  assert.equal(lowMemoryUse(shippedWasm()), '');
  const sec = (id, content) => [id, content.length, ...content];
  const mod = (stack, data) => Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...sec(5, [1, 0, 1]),
    ...sec(6, [1, 0x7f, 1, 0x41, ...stack, 0x0b]), // (mut i32) = i32.const stack (signed LEB)
    ...sec(11, [1, 0, 0x41, ...data, 0x0b, 2, 0x61, 0x62])]); // "ab" at i32.const data
  const kib = [0x80, 0x08]; // 1024
  assert.equal(lowMemoryUse(mod([0x80, 0x80, 0xc0, 0], kib)), '');
  assert.match(lowMemoryUse(mod([0x80, 0x80, 0xc0, 0], [0x10])), /data segment at 16/);
  assert.match(lowMemoryUse(mod([0xff, 0x07], kib)), /stack pointer starts at 1023/);
  new WebAssembly.Module(mod([0x80, 0x08], kib)); // the test modules are well formed
});

// The validation above only means something if those flags do reject what iOS rejects.
test('binaryen with the same flags rejects each post-MVP feature', () => {
  const mod = (types, body, { memory = false } = {}) => {
    const sec = (id, content) => [id, content.length, ...content]; // every section here is < 128 bytes
    const fn = [0, ...body, 0x0b];
    return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      ...sec(1, [1, 0x60, ...types]),
      ...sec(3, [1, 0]),
      ...(memory ? sec(5, [1, 0, 1]) : []),
      ...sec(10, [1, fn.length, ...fn])]);
  };
  const cases = {
    'sign-ext': mod([1, 0x7f, 1, 0x7f], [0x20, 0, 0xc0]),
    'bulk-memory': mod([0, 0], [0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0b, 0], { memory: true }),
    'nontrapping-fptoint': mod([1, 0x7d, 1, 0x7f], [0x20, 0, 0xfc, 0]),
    multivalue: mod([0, 2, 0x7f, 0x7f], [0x41, 0, 0x41, 0]),
    'reference-types': mod([1, 0x6f, 0], []),
  };
  for (const [feature, bytes] of Object.entries(cases)) {
    assert.equal(wasmOpt(bytes, ['--all-features'], `${feature}-all.wasm`).status, 0, `${feature}: test module is malformed`);
    assert.notEqual(wasmOpt(bytes, MVP, `${feature}-mvp.wasm`).status, 0, `${feature} passed MVP validation`);
  }
});

test('room.js names no global WeChat lacks', () => {
  // TextEncoder / TextDecoder only where the glue detects them (it has its own coding otherwise;
  // test/utf8.test.js runs the core in a realm without them)
  const js = fs.readFileSync(path.join(CORE, 'room.js'), 'utf8')
    .replace(/"function"==typeof (TextEncoder|TextDecoder)&&new \1\b/g, '');
  for (const word of ['TextEncoder', 'TextDecoder', 'WebAssembly', 'fetch', 'FinalizationRegistry', 'WeakRef',
    'Response', 'URL', 'self', 'window', 'document', 'globalThis', 'require']) {
    assert.doesNotMatch(js, new RegExp(`\\b${word}\\b`), word);
  }
  assert.match(js, /\bWXWebAssembly\.instantiate\(/);
});

test('room.js gives the shim handle(), for text and for bytes, and mem, its instance\'s own memory', async () => {
  const ctx = vm.createContext({ module: { exports: {} },
    WXWebAssembly: { instantiate: (p, imports) => WebAssembly.instantiate(shippedWasm(), imports) } });
  vm.runInContext(fs.readFileSync(path.join(CORE, 'room.js'), 'utf8'), ctx);
  const [a, b] = await Promise.all([1, 2].map(() => ctx.module.exports.load('/webrtc-room/core/room_bg.wasm.br')));
  assert.deepEqual(Object.keys(a), ['handle', 'mem']);
  assert.ok(a.mem.buffer instanceof ArrayBuffer && a.mem !== b.mem, 'each load() its own memory (message tapes are read from it)');
  const props = JSON.stringify({ props: { userName: '张三 😀' } });
  assert.equal(a.handle(0, new Uint8Array(Buffer.from(props))), b.handle(0, props));
});

test('room.js is CommonJS', () => {
  const js = fs.readFileSync(path.join(CORE, 'room.js'), 'utf8');
  assert.doesNotMatch(js, /^\s*(import|export)\b/m);
  assert.doesNotMatch(js, /\bimport\s*\(/);
  assert.doesNotMatch(js, /\bimport\.meta\b/);
  assert.match(js, /\bmodule\.exports\s*=/);
  assert.doesNotThrow(() => new vm.Script(js, { filename: 'room.js' })); // parses as a script, not a module
});
