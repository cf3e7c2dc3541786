// The self time of each wasm function under the bench's text_reply (handle_reply), or bytes_reply
// (handle_split) with AS_BYTES=1, in a .cpuprofile (argv[2]: its directory), as shares of the core's time on the
// bench's batches.
const fs = require('fs')
const path = require('path')
const dir = process.argv[2]
const file = fs.readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
const time = {}
profile.samples.forEach((id, i) => { time[id] = (time[id] || 0) + (profile.timeDeltas[i] || 0) })
const byId = new Map(profile.nodes.map(n => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id)
const name = n => n.callFrame.functionName.replace(/17h[0-9a-f]{16}E$/, '')
const inCore = id => {
  for (let x = id; x !== undefined; x = parent.get(x)) if (/handle_reply|text_reply|bytes_reply/.test(name(byId.get(x)))) return true
  return false
}
const self = new Map()
let total = 0
for (const n of profile.nodes) {
  if (!inCore(n.id)) continue
  self.set(name(n), (self.get(name(n)) || 0) + (time[n.id] || 0))
  total += time[n.id] || 0
}
console.log(`the core (text_reply or bytes_reply): ${(total / 1000).toFixed(0)} ms sampled; self time by function:`)
for (const [fn, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3]) || 30)) {
  console.log(`${(100 * t / total).toFixed(1).padStart(5)} %  ${fn.slice(0, 140)}`)
}
