'use strict'
// The shipped glue (webrtc-room/core/room.js) in a fresh realm like WeChat's: no WebAssembly,
// TextEncoder, TextDecoder, WeakRef or FinalizationRegistry (`globals` may give some back); a
// WXWebAssembly stand-in reads the code-package path relative to the project root, un-brotlis
// the module there and instantiates it with Node's WebAssembly. Returns the glue's exports:
// `load(WASM_PATH)` resolves to one instance, `{ handle, mem }`.
const assert = require('node:assert/strict')
const fs = require('fs')
const path = require('path')
const vm = require('vm')
const zlib = require('zlib')

const ROOT = path.resolve(__dirname, '..', '..')
const GLUE = path.join(ROOT, 'webrtc-room', 'core', 'room.js')
const WASM_PATH = '/webrtc-room/core/room_bg.wasm.br'

function loadInWeChatLikeRealm (globals = {}) {
  const realWebAssembly = WebAssembly
  const ctx = vm.createContext({ ...globals })
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.WeakRef; delete globalThis.FinalizationRegistry;', ctx)
  if (!globals.TextEncoder) assert.equal(vm.runInContext('typeof WebAssembly + typeof TextEncoder + typeof TextDecoder', ctx), 'undefinedundefinedundefined')
  ctx.WXWebAssembly = {
    instantiate (packagePath, imports) {
      assert.ok(packagePath.startsWith('/'), 'a code-package path is absolute')
      const bytes = zlib.brotliDecompressSync(fs.readFileSync(path.join(ROOT, packagePath)))
      return realWebAssembly.instantiate(bytes, imports)
    }
  }
  ctx.module = { exports: {} }
  vm.runInContext(fs.readFileSync(GLUE, 'utf8'), ctx, { filename: GLUE })
  return ctx.module.exports
}

module.exports = { loadInWeChatLikeRealm, WASM_PATH }
