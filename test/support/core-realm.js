'use strict'
// The shipped glue (webrtc-room/core/room.js) in a fresh realm like WeChat's: no WebAssembly,
// TextEncoder, TextDecoder, WeakRef or FinalizationRegistry; a WXWebAssembly stand-in un-brotlis
// the shipped module and instantiates it with Node's WebAssembly. `loadCore().load()` resolves
// to one instance: { handle, mem }.
const fs = require('fs')
const path = require('path')
const vm = require('vm')
const zlib = require('zlib')

const ROOT = path.resolve(__dirname, '..', '..')
const GLUE = path.join(ROOT, 'webrtc-room', 'core', 'room.js')
const WASM_PATH = '/webrtc-room/core/room_bg.wasm.br'

function loadCore () {
  const realWebAssembly = WebAssembly
  const ctx = vm.createContext({})
  vm.runInContext('delete globalThis.WebAssembly; delete globalThis.WeakRef; delete globalThis.FinalizationRegistry;', ctx)
  ctx.WXWebAssembly = {
    instantiate (packagePath, imports) {
      return realWebAssembly.instantiate(zlib.brotliDecompressSync(fs.readFileSync(path.join(ROOT, packagePath))), imports)
    }
  }
  ctx.module = { exports: {} }
  vm.runInContext(fs.readFileSync(GLUE, 'utf8'), ctx, { filename: GLUE })
  const glue = ctx.module.exports
  return { load: () => glue.load(WASM_PATH), utf8: glue.utf8 }
}

module.exports = { loadCore }
