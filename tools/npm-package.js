'use strict'
// Packs the component as a mini-program npm package (the way WeChat DevTools' "build npm" expects it):
// package/package.json (its `miniprogram` field names the folder) and package/webrtc-room.d.ts, with the
// built webrtc-room/ folder, README.md and LICENSE beside them.
//
// The package's version is not written in package/package.json: it is the crate's (crate/Cargo.toml,
// [package] version), put into the staged manifest here, so the two cannot differ.
//
//   node tools/npm-package.js [--out DIR]   stages the package and runs `npm pack`; prints the .tgz path
//   (then `npm publish <that .tgz>` publishes exactly what was tested)

const fs = require('fs')
const os = require('os')
const path = require('path')
const {execFileSync} = require('child_process')

const ROOT = path.resolve(__dirname, '..')
const PACKAGE_DIR = path.join(ROOT, 'package')
const COMPONENT_DIR = path.join(ROOT, 'webrtc-room')

// The version in the [package] table of crate/Cargo.toml.
function crateVersion () {
  const toml = fs.readFileSync(path.join(ROOT, 'crate', 'Cargo.toml'), 'utf8')
  const table = /^\[package\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)
  const m = table && /^version\s*=\s*"([^"]+)"\s*$/m.exec(table[1])
  if (!m) throw new Error('crate/Cargo.toml: no version in [package]')
  return m[1]
}

// The manifest as published: package/package.json plus the crate's version.
function manifest () {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'))
  if ('version' in pkg) {
    throw new Error('package/package.json must not carry a version: it comes from crate/Cargo.toml')
  }
  const {name, ...rest} = pkg
  return {name, version: crateVersion(), ...rest}
}

// A directory holding exactly what is published.
function stage (dir) {
  fs.mkdirSync(dir, {recursive: true})
  const pkg = manifest()
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
  fs.copyFileSync(path.join(PACKAGE_DIR, pkg.types), path.join(dir, pkg.types))
  fs.cpSync(COMPONENT_DIR, path.join(dir, pkg.miniprogram), {recursive: true})
  for (const f of ['README.md', 'LICENSE']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f))
  return pkg
}

// Stages and packs; returns {file, name, version, files} (files: paths inside the package).
function pack (outDir) {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'webrtc-room-npm-'))
  try {
    const pkg = stage(staging)
    fs.mkdirSync(outDir, {recursive: true})
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', path.resolve(outDir)],
      {cwd: staging, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
    const [info] = JSON.parse(out)
    return {file: path.join(path.resolve(outDir), info.filename), name: pkg.name, version: pkg.version,
      files: info.files.map((f) => f.path).sort()}
  } finally {
    fs.rmSync(staging, {recursive: true, force: true})
  }
}

module.exports = {crateVersion, manifest, stage, pack, PACKAGE_DIR}

if (require.main === module) {
  const i = process.argv.indexOf('--out')
  const outDir = i > 0 ? process.argv[i + 1] : ROOT
  const res = pack(outDir)
  console.log(`${res.name}@${res.version}: ${res.files.length} files`)
  console.log(res.file)
}
