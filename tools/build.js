#!/usr/bin/env node
// Builds the shipped core of <webrtc-room>: webrtc-room/core/room_bg.wasm.br and room.js, and
// the minified shim, webim_wx.js, WXML and WXSS from their sources in shim/.
//
//   node tools/build.js        (from any directory; tools/setup.sh installs what it needs)
//
// Steps: wasm-pack (cargo + wasm-bindgen 0.2.130) -> glue transform -> wasm-metadce (keep only
// the exports the glue calls) -> wasm-opt (lower to WebAssembly 1.0, shrink) -> validate as
// MVP + mutable-globals -> brotli -> smoke test in a realm without web globals.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const zlib = require('zlib');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const PKG = path.join(ROOT, 'build', 'pkg');
const OUT = path.join(ROOT, 'webrtc-room', 'core');
const COMPONENT = path.join(ROOT, 'webrtc-room');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const WASM_BINDGEN_VERSION = '0.2.130';
const BUDGET = 50000; // bytes of the whole webrtc-room/ folder, IM included (developers' guide)

// Rust >= 1.82 enables reference-types and multivalue, which iOS WeChat rejects; wasm-bindgen
// also switches to externref glue when it sees them in the target_features section.
const RUSTFLAGS = '-C target-cpu=mvp -C target-feature=-reference-types,-multivalue';
// What the prebuilt std may still contain; wasm-opt must be told so it can read it, then the
// lowering passes below take each one out again.
const INPUT_FEATURES = ['--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-mutable-globals'];
const LOWER = ['--signext-lowering', '--llvm-memory-copy-fill-lowering',
  '--llvm-nontrapping-fptoint-lowering'];
// --converge: ~150 bytes less after brotli. -O2 then -Os rather than -Oz alone: the module is
// ~380 bytes bigger but compresses ~190 bytes smaller (36,377 -> 36,186; -O2 -Oz 36,249, -Os 36,309,
// -O3 -Oz 36,355, measured on 5dcc06b's core). --low-memory-unused: ~200 bytes after brotli
// (37,133 -> 36,935 on 4f3f5c0; ~6 on 5dcc06b). It lets wasm-opt fold constant offsets into loads
// and stores, assuming nothing reads or writes below address 1024. True here: Rust lays the stack
// out first, so the stack pointer starts at 1 MiB and the data sit above it, and nothing comes
// near 0 without first using a whole MiB of stack (the JSON depth limit keeps recursion shallow).
// Left out on purpose: -tnh / -iit (they let the optimiser assume traps never happen, and a trap
// is how the shim learns the core broke). Brotli window/block/mode settings: <15 bytes.
// --dae-optimizing first and --flatten --rereloop -O2 between: 316 bytes less after brotli
// (36,512 -> 36,196 on 3eb9333; --rereloop rebuilds each function's control flow from scratch,
// which the -Os after it then shrinks further), the IM hot path as fast (tools/bench-ab.js: 1.003).
const SHRINK = ['--dae-optimizing', '-O2', '--flatten', '--rereloop', '-O2', '-Os', '--converge', '--low-memory-unused', '--strip-debug', '--strip-producers',
  '--strip-target-features'];
const VALIDATE = ['--mvp-features', '--enable-mutable-globals'];

class BuildError extends Error {}
function fail(msg) { throw new BuildError(msg); }

function run(cmd, args, opts = {}) {
  console.log(`+ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: opts.capture ? 'pipe' : 'inherit', encoding: 'utf8', ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} exited with ${r.status}${opts.capture ? '\n' + r.stdout + r.stderr : ''}`);
  return r;
}

function binaryen(tool) {
  const p = path.join(BIN, tool);
  if (!fs.existsSync(p)) fail(`${p} missing: run tools/setup.sh (npm package binaryen)`);
  return p;
}

function cargoEnv() {
  const cargoBin = path.join(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'), 'bin');
  const env = { ...process.env, PATH: `${process.env.PATH}${path.delimiter}${cargoBin}`, RUSTFLAGS };
  if (process.env.RUSTFLAGS && process.env.RUSTFLAGS !== RUSTFLAGS) {
    console.log(`note: RUSTFLAGS from the environment replaced by "${RUSTFLAGS}"`);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// a. cargo + wasm-bindgen through wasm-pack

function compile() {
  const env = cargoEnv();
  const v = spawnSync('wasm-bindgen', ['--version'], { env, encoding: 'utf8' });
  if (v.error || (v.stdout || '').trim() !== `wasm-bindgen ${WASM_BINDGEN_VERSION}`) {
    fail(`wasm-bindgen ${WASM_BINDGEN_VERSION} not found on PATH (got: ${(v.stdout || '').trim() || 'none'}): run tools/setup.sh`);
  }
  fs.rmSync(PKG, { recursive: true, force: true });
  // --mode no-install: use the wasm-bindgen on PATH, never download one.
  // --no-opt (and wasm-opt = false in the crate metadata): no binaryen download; we run our own.
  run('wasm-pack', ['build', path.join(ROOT, 'crate'), '--release', '--target', 'web',
    '--mode', 'no-install', '--no-opt', '--no-pack', '--no-typescript',
    '--out-dir', PKG, '--out-name', 'room'], { env, cwd: ROOT });
}

// ---------------------------------------------------------------------------------------------
// d. glue transform: wasm-bindgen's ES-module glue -> CommonJS factory for WXWebAssembly
//
// The generated file is a flat list of top-level statements, each recognised by its first line:
// - the export wrappers and the import object are kept verbatim: they carry the ABI (export
//   names, stack-pointer offsets, where results land, how they are freed);
// - the marshalling helpers they call are swapped for smaller ones of the same contract, but only
//   after checking the generated helper is exactly the one that contract was read from (hash);
// - text coding and the loader are dropped (ours are in TEMPLATE);
// - anything else fails the build: a wasm-bindgen upgrade that adds a helper, an import, a start
//   function or an init step must be looked at, not shipped half-understood.

function splitTopLevel(src) {
  const chunks = [];
  let cur = null;
  for (const line of src.split('\n')) {
    if (line.trim() === '') continue;
    const opensNew = !/^[\s})\]]/.test(line) && !(cur && cur.inComment);
    if (opensNew) {
      cur = { head: line, lines: [line], inComment: line.startsWith('/*') && !line.includes('*/') };
      chunks.push(cur);
    } else {
      if (!cur) fail(`glue: unexpected indented first line: ${line}`);
      cur.lines.push(line);
      if (cur.inComment && line.includes('*/')) cur.inComment = false;
    }
  }
  return chunks.map((c) => ({ head: c.head, text: c.lines.join('\n') }));
}

// Replacements for wasm-bindgen 0.2.130's helpers. `hash`: sha256 (first 16 hex digits) of the
// generated function with all whitespace removed. Same contracts: views are made afresh on each
// call (memory may have grown), bytes are passed at their exact length. handle() takes bytes
// (a Box<[u8]>); its one argument helper also takes a string, which it passes as its UTF-8, and a
// list of byte arrays, which it passes as one run: the shim hands a reply's body as the bytes it
// came as, followed by its header, and everything else as text.
const HELPERS = {
  getDataViewMemory0: {
    hash: '2c8d09f683a2d420',
    code: 'function getDataViewMemory0() { return new DataView(wasm.memory.buffer); }',
  },
  getUint8ArrayMemory0: {
    hash: '61d0bc89dc75a0aa',
    code: 'function getUint8ArrayMemory0() { return new Uint8Array(wasm.memory.buffer); }',
  },
  getStringFromWasm0: {
    hash: '1a90286d86091058',
    code: 'function getStringFromWasm0(ptr, len) { return decoder.decode(new Uint8Array(wasm.memory.buffer, ptr >>> 0, len)); }',
  },
  passArray8ToWasm0: {
    hash: 'ae3e50fc30f072e6',
    // An array of Uint8Arrays is passed as their bytes one after another, each copied once.
    code: `function passArray8ToWasm0(arg, malloc) {
      const parts = Array.isArray(arg) ? arg : [arg.buffer ? arg : encoder.encode(arg)];
      let len = 0;
      for (const part of parts) len += part.length;
      let ptr = malloc(len, 1) >>> 0;
      const mem = new Uint8Array(wasm.memory.buffer);
      for (const part of parts) { mem.set(part, ptr); ptr += part.length; }
      WASM_VECTOR_LEN = len;
      return ptr - len;
    }`,
  },
};

function helperHash(text) {
  return crypto.createHash('sha256').update(text.replace(/\s+/g, '')).digest('hex').slice(0, 16);
}

// What __wbg_finalize_init may do for it to be safe to replace by our own `wasm = exports`.
const FINALIZE_OK = [/^function __wbg_finalize_init\(instance, module\) \{$/, /^wasmInstance = instance;$/,
  /^wasm = instance\.exports;$/, /^wasmModule = module;$/, /^cached\w+ = null;$/, /^return wasm;$/, /^\}$/];

const RULES = [
  // [first line, action]
  [/^\/\*/, 'drop'], // JSDoc and the @ts-self-types marker
  [/^export function \w+\(/, 'export'],
  [/^function __wbg_get_imports\(\) \{$/, 'imports'],
  [/^let WASM_VECTOR_LEN = 0;$/, 'keep'],
  [/^function (\w+)\(/, 'helper'], // must be one of HELPERS, checked below
  [/^let cached(DataView|Uint8Array)Memory0 = null;$/, 'drop'], // our helpers do not cache
  // text coding: ours is encode() / decode() in TEMPLATE
  [/^let cachedTextDecoder = new TextDecoder\(/, 'drop'],
  [/^cachedTextDecoder\.decode\(\);$/, 'drop'],
  [/^const MAX_SAFARI_DECODE_BYTES = \d+;$/, 'drop'],
  [/^let numBytesDecoded = 0;$/, 'drop'],
  [/^const cachedTextEncoder = new TextEncoder\(\);$/, 'drop'],
  [/^if \(!\('encodeInto' in cachedTextEncoder\)\) \{$/, 'drop'],
  // the loader: ours is load() in TEMPLATE
  [/^let wasmModule, wasmInstance, wasm;$/, 'drop'],
  [/^async function __wbg_load\(module, imports\) \{$/, 'drop'],
  [/^let __wbg_init_promise;$/, 'drop'],
  [/^async function __wbg_init\(module_or_path\) \{$/, 'drop'],
  [/^async function __wbg_init_once\(module_or_path\) \{$/, 'drop'],
  [/^export \{ initSync, __wbg_init as default \};$/, 'drop'],
];
// Generated functions (matched by the 'helper' rule) that are dropped rather than replaced.
const DROPPED_FUNCTIONS = new Set(['decodeText', 'initSync', '__wbg_finalize_init']);

// Words the shipped glue must not contain: absent in WeChat, or ES-module syntax.
const FORBIDDEN = [/\bTextEncoder\b/, /\bTextDecoder\b/, /\bWebAssembly\b/, /\bfetch\b/,
  /\bFinalizationRegistry\b/, /\bWeakRef\b/, /\bimport\.meta\b/, /^\s*(import|export)\b/m, /`/];
// The one use of TextEncoder / TextDecoder allowed: TEMPLATE's feature detection, which falls back
// to encode() / decode() where the runtime lacks them (WeChat may).
const FEATURE_DETECTED = /typeof (TextEncoder|TextDecoder) === 'function' && new \1\(\) \|\| utf8/g;

function transformGlue(src) {
  const kept = [];
  const helpers = [];
  const api = [];
  let importsChunk = null;
  let sawFinalize = false;
  for (const c of splitTopLevel(src)) {
    const rule = RULES.find(([re]) => re.test(c.head));
    if (!rule) fail(`glue: top-level statement not understood (wasm-bindgen changed?):\n${c.text}`);
    switch (rule[1]) {
      case 'drop':
        break;
      case 'export':
        api.push(c.head.match(/^export function (\w+)\(/)[1]);
        kept.push(c.text.replace(/^export /, ''));
        break;
      case 'imports':
        importsChunk = c.text; // kept below only if it gives the module anything
        break;
      case 'keep':
        kept.push(c.text);
        break;
      case 'helper': {
        const name = c.head.match(/^function (\w+)\(/)[1];
        if (name === '__wbg_finalize_init') {
          sawFinalize = true;
          for (const l of c.text.split('\n').map((x) => x.trim())) {
            if (!FINALIZE_OK.some((re) => re.test(l))) fail(`glue: init does more than we replicate: ${l}`);
          }
        } else if (!DROPPED_FUNCTIONS.has(name)) {
          const h = HELPERS[name];
          if (!h) fail(`glue: helper ${name}() has no replacement (wasm-bindgen changed, or the export signature needs more than bytes and strings):\n${c.text}`);
          const got = helperHash(c.text);
          if (got !== h.hash) fail(`glue: ${name}() differs from the one its replacement was written for (hash ${got}, expected ${h.hash}); review it and update HELPERS:\n${c.text}`);
          helpers.push({ name, code: h.code });
        }
        break;
      }
    }
  }
  if (!sawFinalize) fail('glue: no __wbg_finalize_init found (wasm-bindgen changed?)');
  if (!importsChunk) fail('glue: no __wbg_get_imports found (wasm-bindgen changed?)');
  if (!api.includes('handle')) fail(`glue: no exported handle() (exports: ${api.join(', ') || 'none'})`);

  // The import object the generated glue would give, evaluated in isolation: its function
  // values are never called here, so helpers they name need not exist. When it gives no
  // function at all (the core imports nothing today), room.js passes {} instead; the wasm's
  // imports are checked against what is shipped (optimise()).
  let importObject = new Function(`${importsChunk}\nreturn __wbg_get_imports();`)();
  const importsAnything = Object.values(importObject).some((m) => Object.keys(m).length);
  if (importsAnything) kept.push(importsChunk);
  else importObject = {};

  // A replaced helper only the generated helpers called (getUint8ArrayMemory0) is left out.
  const used = (name) => [...kept, ...helpers.filter((h) => h.name !== name).map((h) => h.code)]
    .some((t) => new RegExp(`\\b${name}\\(`).test(t));
  const body = [...helpers.filter((h) => used(h.name)).map((h) => h.code), ...kept].join('\n');
  for (const re of FORBIDDEN) if (re.test(body)) fail(`glue: kept code still matches ${re}`);

  const wasmExports = [...new Set([...body.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]))].sort();

  const js = HEADER + minify(TEMPLATE.replace('/*GLUE*/', () => body).replace('/*API*/', () => api.join(', '))
    .replace('/*IMPORTS*/', importsAnything ? '__wbg_get_imports()' : '{}'));
  const undetected = js.replace(FEATURE_DETECTED, '');
  for (const re of FORBIDDEN) if (re.test(undetected)) fail(`glue: room.js matches ${re}`);
  return { js, api, importObject, wasmExports };
}

// Light, dependency-free minify: comments and blank lines go and indentation becomes one tab per
// brace level. Squeezing spaces too was measured at ~460 bytes: not worth an unreadable file
// for someone debugging on a phone.
const STRINGS = /('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/;
function minify(js) {
  const out = [];
  let inComment = false;
  let depth = 0;
  for (let l of js.split('\n')) {
    l = l.trim();
    if (inComment) { inComment = !l.includes('*/'); continue; }
    if (l.startsWith('/*')) { inComment = !l.includes('*/'); continue; }
    if (!l || l.startsWith('//')) continue;
    const code = l.split(STRINGS).filter((_, i) => i % 2 === 0).join('');
    const opens = (code.match(/\{/g) || []).length;
    const closes = (code.match(/\}/g) || []).length;
    const lead = (code.match(/^\}+/) || [''])[0].length;
    out.push('\t'.repeat(Math.max(0, depth - lead)) + l);
    depth = Math.max(0, depth + opens - closes);
  }
  if (depth !== 0) fail(`minify: unbalanced brackets (${depth})`);
  return out.join('\n') + '\n';
}

const HEADER = `// generated by tools/build.js from the wasm-bindgen ${WASM_BINDGEN_VERSION} glue: do not edit\n`;

// The shipped room.js. `/*GLUE*/` receives the helpers and the kept wasm-bindgen code; it runs
// inside load(), so every load() gets its own `wasm` and WASM_VECTOR_LEN: one instance per
// component, and a trapped instance is thrown away whole.
const TEMPLATE = String.raw`'use strict';
// WHATWG UTF-8 for runtimes without TextEncoder / TextDecoder: a lone surrogate encodes as U+FFFD
// (EF BF BD); each maximal invalid subsequence decodes to one U+FFFD; a BOM is kept.
function encode(s) {
  const out = new Uint8Array(s.length * 3);
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i), d;
    if (c >= 0xd800 && c < 0xe000) {
      d = s.charCodeAt(i + 1);
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) { c = 0x10000 + (c - 0xd800 << 10) + d - 0xdc00; i++; }
      else c = 0xfffd;
    }
    if (c < 0x80) out[w++] = c;
    else {
      if (c < 0x800) out[w++] = 0xc0 | c >> 6;
      else {
        if (c < 0x10000) out[w++] = 0xe0 | c >> 12;
        else { out[w++] = 0xf0 | c >> 18; out[w++] = 0x80 | c >> 12 & 63; }
        out[w++] = 0x80 | c >> 6 & 63;
      }
      out[w++] = 0x80 | c & 63;
    }
  }
  return out.subarray(0, w);
}
// Code units are gathered in a Uint16Array and turned into text a chunk at a time
// (fromCharCode.apply has an argument limit). One array for every call (decode never re-enters):
// a fresh one was 16 KB outside the JS heap on every input, most of them a short JSON output.
const UNITS = new Uint16Array(8194);
function decode(b) {
  let s = '', u = UNITS, k = 0;
  for (let i = 0; i < b.length;) {
    let c = b[i++], n;
    if (c >= 0x80) {
      n = c < 0xc2 ? -1 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : -1;
      if (n > 0) {
        // the first continuation byte's range excludes overlongs and surrogates (E0 ED F0 F4)
        let lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80, hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
        for (c &= 0x7f >> n + 1; n; n--, lo = 0x80, hi = 0xbf) {
          // a byte out of range ends the sequence as one error and then starts afresh
          if (!(b[i] >= lo && b[i] <= hi)) break;
          c = c << 6 | b[i++] & 63;
        }
      }
      if (n) c = 0xfffd;
      if (c > 0xffff) { u[k++] = 0xd7c0 + (c >> 10); c = 0xdc00 | c & 0x3ff; }
    }
    u[k++] = c;
    if (k > 8191) { s += units(u, k); k = 0; }
  }
  return s + units(u, k);
}
function units(u, k) { return String.fromCharCode.apply(null, u.subarray(0, k)); }
const utf8 = { encode: encode, decode: decode };
// Native coding where the runtime has it (Node, some base libraries) is several times faster on a
// long-poll reply than the loops above; WeChat may lack it. Same results either way: TextDecoder
// drops a leading BOM where decode() keeps it, but the one text decoded here is handle()'s JSON
// output, which starts with '{'.
const encoder = typeof TextEncoder === 'function' && new TextEncoder() || utf8;
const decoder = typeof TextDecoder === 'function' && new TextDecoder() || utf8;
// packagePath: absolute code-package path of room_bg.wasm.br. WXWebAssembly is looked up per
// call, so a missing one (base library < 2.13) is a rejected promise, not a require() error.
function load(packagePath) {
  let wasm;
/*GLUE*/
  return new Promise(function (resolve) {
    resolve(WXWebAssembly.instantiate(packagePath, /*IMPORTS*/));
  }).then(function (r) { wasm = r.instance.exports; return { /*API*/, mem: wasm.memory }; });
}
module.exports = { load: load, utf8: utf8 };
`;

// ---------------------------------------------------------------------------------------------
// b. wasm: keep only what the glue calls, lower to 1.0, shrink, validate

function wasmImportsExports(bytes) {
  const m = new WebAssembly.Module(bytes);
  return { imports: WebAssembly.Module.imports(m), exports: WebAssembly.Module.exports(m) };
}

// What of the module sits below address 1024: the first global's start (the stack pointer) or an
// active data segment; '' when nothing does. Reads the global (6) and data (11) sections.
function lowMemoryUse(bytes) {
  let at = 8;
  const leb = () => { let n = 0, shift = 0, b; do { b = bytes[at++]; n += (b & 127) * 2 ** shift; shift += 7; } while (b & 128); return n; };
  const i32const = () => { if (bytes[at] !== 0x41) return -1; at++; const n = leb(); at++; return n; }; // (unsigned: fine below 2^31)
  let sp = -1;
  const data = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const end = leb() + at;
    if (id === 6 && leb() > 0) { at += 2; sp = i32const(); }
    if (id === 11) for (let n = leb(); n > 0; n--) {
      const flags = leb();
      if (flags === 2) leb();
      if (flags !== 1) data.push(i32const()); // (passive: copied where the code says)
      const size = leb();
      at += size;
    }
    at = end;
  }
  if (sp < 1024) return `the stack pointer starts at ${sp}, that is`;
  const below = data.filter((n) => n < 1024);
  return below.length ? `a data segment at ${below[0]} is` : '';
}

function optimise(rawPath, outPath, glue) {
  // wasm-metadce's graph: roots are the exports the glue touches; every other export
  // (wasm-bindgen 0.2.130 also exports the globals __abort_handler / __instance_terminated,
  // which iOS cannot handle) is removed together with what only it reached.
  const graph = [{ name: 'export$memory', export: 'memory', root: true },
    ...glue.wasmExports.filter((e) => e !== 'memory').map((e) => ({ name: `export$${e}`, export: e, root: true }))];
  const graphPath = path.join(ROOT, 'build', 'metadce-graph.json');
  fs.writeFileSync(graphPath, JSON.stringify(graph));
  const dcePath = path.join(ROOT, 'build', 'room_dce.wasm');
  const dce = run(binaryen('wasm-metadce'), [...INPUT_FEATURES, '--graph-file', graphPath, rawPath, '-o', dcePath], { capture: true });
  const removed = dce.stdout.split('\n').filter((l) => l.startsWith('unused: export$')).map((l) => l.slice(15));
  if (removed.length) console.log(`  exports removed: ${removed.join(', ')}`);

  // --low-memory-unused (SHRINK) holds only while the data and the stack start at 1024 or above.
  const low = lowMemoryUse(fs.readFileSync(dcePath));
  if (low) fail(`${low} below address 1024, which --low-memory-unused assumes nothing uses`);

  // Lowering first: the passes clear the features they remove, so -Oz after them cannot
  // bring bulk-memory or sign-ext instructions back.
  run(binaryen('wasm-opt'), [dcePath, ...INPUT_FEATURES, ...LOWER, ...SHRINK, '-o', outPath]);
  const v = run(binaryen('wasm-opt'), [outPath, ...VALIDATE, '-o', process.platform === 'win32' ? 'NUL' : '/dev/null'], { capture: true });
  if (/error/i.test(v.stdout + v.stderr)) fail(`validation as WebAssembly 1.0 printed errors:\n${v.stdout}${v.stderr}`);
  console.log('  valid as WebAssembly 1.0 (MVP + mutable-globals)');

  const bytes = fs.readFileSync(outPath);
  const { imports, exports } = wasmImportsExports(bytes);
  for (const imp of imports) {
    const mod = glue.importObject[imp.module];
    if (!mod || typeof mod[imp.name] === 'undefined') fail(`wasm imports ${imp.module}.${imp.name}, which the glue does not provide`);
  }
  const want = ['memory', ...glue.wasmExports.filter((e) => e !== 'memory')].sort();
  const got = exports.map((e) => e.name).sort();
  if (JSON.stringify(want) !== JSON.stringify(got)) fail(`wasm exports [${got}] but the glue uses [${want}]`);
  const odd = exports.filter((e) => e.kind !== 'function' && e.kind !== 'memory');
  if (odd.length) fail(`wasm exports ${odd.map((e) => `${e.kind} ${e.name}`).join(', ')}: only functions and memory work everywhere`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// c. brotli

function brotli(bytes) {
  const C = zlib.constants;
  return zlib.brotliCompressSync(bytes, { params: {
    [C.BROTLI_PARAM_MODE]: C.BROTLI_MODE_GENERIC,
    [C.BROTLI_PARAM_QUALITY]: C.BROTLI_MAX_QUALITY,
    [C.BROTLI_PARAM_LGWIN]: C.BROTLI_MAX_WINDOW_BITS,
    [C.BROTLI_PARAM_SIZE_HINT]: bytes.length,
  } });
}

// ---------------------------------------------------------------------------------------------
// Smoke test: the staged room.js in a fresh realm that lacks WebAssembly, TextEncoder,
// TextDecoder, fetch, WeakRef and FinalizationRegistry, fed the staged .wasm.br through a
// WXWebAssembly stand-in that maps package paths into `stageRoot`.

async function smoke(stageRoot) {
  const bare = await smokeIn(stageRoot, {});
  // and with the native coders the glue detects: the same outputs
  const native = await smokeIn(stageRoot, { TextEncoder, TextDecoder });
  if (bare.join('\n') !== native.join('\n')) fail('smoke: outputs differ with TextEncoder / TextDecoder present');
  console.log(`  smoke: handle(1000, ...) -> ${bare[0].length > 120 ? bare[0].slice(0, 120) + '…' : bare[0]}`);
}

async function smokeIn(stageRoot, globals) {
  const realWasm = WebAssembly;
  const ctx = vm.createContext({ console, ...globals });
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.WeakRef; delete globalThis.FinalizationRegistry;', ctx);
  ctx.WXWebAssembly = {
    instantiate(packagePath, imports) {
      const br = fs.readFileSync(path.join(stageRoot, packagePath));
      return realWasm.instantiate(zlib.brotliDecompressSync(br), imports);
    },
  };
  const module = { exports: {} };
  ctx.module = module;
  ctx.exports = module.exports;
  vm.runInContext(fs.readFileSync(path.join(stageRoot, 'webrtc-room', 'core', 'room.js'), 'utf8'), ctx, { filename: 'room.js' });
  const a = await module.exports.load('/webrtc-room/core/room_bg.wasm.br');
  const b = await module.exports.load('/webrtc-room/core/room_bg.wasm.br');
  if (a === b) fail('smoke: two load() calls returned the same core');
  const input = JSON.stringify({ props: { userName: '张三 😀 \u00e9' } });
  const out = a.handle(1000, input);
  if (typeof out !== 'string') fail(`smoke: handle returned ${typeof out}`);
  try { JSON.parse(out); } catch (e) { fail(`smoke: handle returned non-JSON: ${out.slice(0, 200)}`); }
  b.handle(0, input);
  const outs = [out];
  // the empty string (no bytes to pass) and a text reply with non-ASCII text also cross intact
  for (const edge of ['', '7 200 {"Text":"张三 😀 \ud800"}']) {
    try { outs.push(a.handle(1000, edge)); JSON.parse(outs[outs.length - 1]); } catch (e) { fail(`smoke: handle(${JSON.stringify(edge)}) failed: ${e.message}`); }
  }
  // a reply as bytes answers as the same text does (no bytes cross too); bytes that are not UTF-8
  // are a failed request in a reply, a warning otherwise
  const body = Buffer.from('7 200 {"Text":"张三 😀 \u00e9"}');
  for (const [bytes, text] of [[body, body.toString()], [Buffer.alloc(0), '']]) {
    let got;
    try { got = a.handle(1000, new Uint8Array(bytes)); JSON.parse(got); } catch (e) { fail(`smoke: handle(${bytes.length} bytes) failed: ${e.message}`); }
    const want = a.handle(1000, text);
    if (got !== want) fail(`smoke: handle(bytes) gave ${got}, the text ${want}`);
    outs.push(got);
  }
  for (const bytes of [[0x37, 0x20, 0x32, 0x20, 0xff], [0x7b, 0xff, 0x7d]]) {
    let got;
    try { got = a.handle(1000, Uint8Array.from(bytes)); JSON.parse(got); } catch (e) { fail(`smoke: handle(${bytes}) failed: ${e.message}`); }
    outs.push(got);
  }
  if (!outs[outs.length - 1].includes('"warning"')) fail(`smoke: bytes that are not UTF-8 gave ${outs[outs.length - 1]}`);
  return outs;
}

// ---------------------------------------------------------------------------------------------

function dirBytes(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

const SHIM_SRC = path.join(ROOT, 'shim', 'webrtc-room.js');
// webim_wx.js: the 2019 constants and Tool helpers for pages that `require` it (not an IM SDK).
const WEBIM_SRC = path.join(ROOT, 'shim', 'webim_wx.js');

// terser from npm: ES2015 out (WeChat's engines on iOS 10+ run it), CommonJS kept as it is.
async function terse(js, header, compress = {}) {
  let terser;
  try {
    terser = require(path.join(ROOT, 'node_modules', 'terser'));
  } catch (e) {
    fail('terser missing: run tools/setup.sh (npm package terser)');
  }
  const out = await terser.minify(js, { ecma: 2015, module: false, toplevel: true, compress: { passes: 2, ...compress }, mangle: true, format: { comments: false } });
  if (!out.code) fail('terser produced nothing');
  return `// ${header}\n${out.code}\n`;
}

// WXML and WXSS ship without comments and layout whitespace (readable sources: shim/). Neither
// touches a text node with anything but whitespace in it, an attribute value or a CSS string.
const WXML_SRC = path.join(ROOT, 'shim', 'webrtc-room.wxml');
const WXSS_SRC = path.join(ROOT, 'shim', 'webrtc-room.wxss');

// Drops comments and whitespace-only text that holds a line break (indentation between tags);
// inside a tag, whitespace between attributes becomes one space and goes before `>` or `/>`.
function minifyWxml(src) {
  let out = '';
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) fail('wxml: unterminated comment');
      i = end + 3;
    } else if (src[i] === '<') {
      let tag = '';
      for (i++; ; i++) {
        const c = src[i];
        if (c === undefined) fail('wxml: unterminated tag');
        if (c === '"' || c === "'") {
          const end = src.indexOf(c, i + 1);
          if (end < 0) fail('wxml: unterminated attribute value');
          tag += src.slice(i, end + 1);
          i = end;
        } else if (/\s/.test(c)) {
          if (!tag.endsWith(' ')) tag += ' ';
        } else if (c === '>') {
          i++;
          break;
        } else {
          tag += c;
        }
      }
      out += '<' + tag.replace(/ (\/?)$/, '$1') + '>';
    } else {
      const end = src.indexOf('<', i) < 0 ? src.length : src.indexOf('<', i);
      const text = src.slice(i, end);
      if (!(/^\s*$/.test(text) && text.includes('\n'))) out += text;
      i = end;
    }
  }
  return out;
}

// Drops comments; whitespace runs become one space, which then goes next to { } ; , and after a
// declaration's colon; the last declaration of a block loses its `;`. Strings are kept whole.
function minifyWxss(src) {
  const parts = src.split(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/);
  let depth = 0;
  let out = '';
  for (let k = 0; k < parts.length; k++) {
    if (k % 2) { out += parts[k]; continue; }
    let css = parts[k].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ');
    if (/\/\*/.test(css)) fail('wxss: unterminated comment');
    let piece = '';
    for (const c of css) {
      if (c === '{') depth++;
      if (c === '}') depth--;
      piece += c;
      if (c === ':' && depth > 0) piece = piece.replace(/ ?:$/, ':');
    }
    out += piece;
  }
  if (depth !== 0) fail(`wxss: unbalanced braces (${depth})`);
  return out.replace(/ ?([{};,]) ?/g, '$1').replace(/: /g, ':').replace(/;}/g, '}').trim() + '\n';
}

async function main() {
  console.log('a. compile (wasm-pack, wasm-bindgen ' + WASM_BINDGEN_VERSION + ')');
  compile();
  const rawPath = path.join(PKG, 'room_bg.wasm');
  const raw = fs.readFileSync(rawPath);

  console.log('d. glue transform');
  const glue = transformGlue(fs.readFileSync(path.join(PKG, 'room.js'), 'utf8'));
  console.log(`  api: ${glue.api.join(', ')}; wasm exports used: ${glue.wasmExports.join(', ')}`);

  console.log('b. wasm-metadce + wasm-opt + validate');
  const optPath = path.join(ROOT, 'build', 'room_opt.wasm');
  const opt = optimise(rawPath, optPath, glue);

  console.log('c. brotli');
  const br = brotli(opt);
  if (!zlib.brotliDecompressSync(br).equals(opt)) fail('brotli round trip differs');

  // The shipped JS is minified: every byte of the folder is a byte in each user's 2 MB package.
  // The readable sources are the glue transform above and shim/webrtc-room.js.
  console.log('f. minify the glue and the shim (terser)');
  // The glue only: its function expressions never use `this`, `arguments` or `new` (so they may
  // become arrows), and reading a property of it has no side effect (so an unused read, such as
  // the realloc export passStringToWasm0 is handed and ignores, may go): ~100 bytes.
  const glueJs = await terse(glue.js, 'built by tools/build.js (wasm-bindgen ' + WASM_BINDGEN_VERSION + ' glue)',
    { passes: 3, unsafe_arrows: true, pure_getters: true });
  const shimJs = await terse(fs.readFileSync(SHIM_SRC, 'utf8'), 'built by tools/build.js from shim/webrtc-room.js');
  const webimJs = await terse(fs.readFileSync(WEBIM_SRC, 'utf8'), 'webim constants for 2019 pages, not an IM SDK (shim/webim_wx.js)');
  const wxml = minifyWxml(fs.readFileSync(WXML_SRC, 'utf8'));
  const wxss = minifyWxss(fs.readFileSync(WXSS_SRC, 'utf8'));

  // Staged first, so a build that fails its smoke test leaves the shipped core untouched.
  const stageRoot = path.join(ROOT, 'build', 'stage');
  const stage = path.join(stageRoot, 'webrtc-room', 'core');
  fs.mkdirSync(stage, { recursive: true });
  fs.writeFileSync(path.join(stage, 'room_bg.wasm.br'), br);
  fs.writeFileSync(path.join(stage, 'room.js'), glueJs);
  await smoke(stageRoot);
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of ['room_bg.wasm.br', 'room.js']) fs.copyFileSync(path.join(stage, f), path.join(OUT, f));
  fs.writeFileSync(path.join(COMPONENT, 'webrtc-room.js'), shimJs);
  fs.writeFileSync(path.join(COMPONENT, 'webim_wx.js'), webimJs);
  fs.writeFileSync(path.join(COMPONENT, 'webrtc-room.wxml'), wxml);
  fs.writeFileSync(path.join(COMPONENT, 'webrtc-room.wxss'), wxss);

  const total = dirBytes(COMPONENT);
  console.log('e. sizes (bytes)');
  console.log(`  raw wasm (wasm-bindgen)  ${raw.length}`);
  console.log(`  optimised wasm           ${opt.length}`);
  console.log(`  room_bg.wasm.br          ${br.length}`);
  console.log(`  room.js                  ${Buffer.byteLength(glueJs)}`);
  console.log(`  webrtc-room.js (shim)    ${Buffer.byteLength(shimJs)}`);
  console.log(`  webim_wx.js              ${Buffer.byteLength(webimJs)}`);
  console.log(`  webrtc-room.wxml         ${Buffer.byteLength(wxml)}`);
  console.log(`  webrtc-room.wxss         ${Buffer.byteLength(wxss)}`);
  console.log(`  webrtc-room/ total       ${total} of ${BUDGET}${total > BUDGET ? '   <-- OVER BUDGET' : ''}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`\nBUILD FAILED: ${e instanceof BuildError ? e.message : e.stack}`);
    process.exit(1);
  });
}
module.exports = { transformGlue, minify, minifyWxml, minifyWxss, lowMemoryUse, BUDGET }; // for poking at the transform without a cargo build; BUDGET for the bench
