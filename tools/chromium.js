'use strict'
// Finds and launches the headless Chromium that the layout pictures and the browser test use.
// puppeteer-core downloads no browser: this is Debian's `chromium` (tools/setup.sh installs it where
// apt exists) or a Chrome/Chromium already on the machine; CHROMIUM_PATH names one explicitly.

const fs = require('fs')
const os = require('os')
const path = require('path')
const {execFileSync} = require('child_process')

const CANDIDATES = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

function which (name) {
  if (name.includes('/')) return fs.existsSync(name) ? name : null
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], {encoding: 'utf8'}).trim() || null
  } catch (e) {
    return null
  }
}

// The browser's path, or null when there is none.
function findChromium () {
  for (const c of [process.env.CHROMIUM_PATH, ...CANDIDATES]) {
    const found = c && which(c)
    if (found) return found
  }
  return null
}

// A headless browser with a fresh profile (removed on close) that reaches no network service.
async function launchChromium () {
  const executablePath = findChromium()
  if (!executablePath) {
    throw new Error('no Chromium or Chrome found (looked at $CHROMIUM_PATH, ' + CANDIDATES.join(', ') +
      '): run `bash tools/setup.sh` (installs Debian\'s chromium) or set CHROMIUM_PATH')
  }
  const puppeteer = require('puppeteer-core')
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'webrtc-room-chromium-'))
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile],
  })
  const close = browser.close.bind(browser)
  browser.close = async () => {
    try { await close() } finally { fs.rmSync(profile, {recursive: true, force: true}) }
  }
  return browser
}

module.exports = {findChromium, launchChromium}
