import { readFileSync } from "node:fs"
import { createHash, randomBytes } from "node:crypto"
import { createSHA256 } from "hash-wasm"
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
const make = (file) => {
  const src = readFileSync(file, "utf8")
  const b64 = [...src.matchAll(/"([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]).join("")
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(b64, "base64")), {})
  const mem = new Uint8Array(exports.memory.buffer), words = new Uint32Array(exports.memory.buffer)
  return (data) => {
    words.set(IV, 256)
    let at = 0
    const full = data.length - (data.length % 64)
    while (at < full) { const n = Math.min(65536, full - at); mem.set(data.subarray(at, at + n), 2048); exports.blocks(n / 64); at += n }
    const rest = data.length - full
    const tail = new Uint8Array(rest + 9 <= 64 ? 64 : 128)
    tail.set(data.subarray(full)); tail[rest] = 0x80
    const bits = data.length * 8, dv = new DataView(tail.buffer)
    dv.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32)); dv.setUint32(tail.length - 4, bits >>> 0)
    mem.set(tail, 2048); exports.blocks(tail.length / 64)
    const out = Buffer.alloc(32); for (let i = 0; i < 8; i++) out.writeUInt32BE(words[256 + i], i * 4)
    return out.toString("hex")
  }
}
const files = process.argv.slice(2)
const fns = files.map(make)
for (const f of fns) for (const n of [0, 55, 56, 64, 119, 128, 255, 257, 1000, 65600, 200000]) {
  const d = randomBytes(n); if (f(d) !== createHash("sha256").update(d).digest("hex")) { console.log("MISMATCH", n); process.exit(1) }
}
const big = randomBytes(32 << 20)
const hw = await createSHA256()
const hwf = () => { hw.init(); for (let i = 0; i < big.length; i += 4 << 20) hw.update(big.subarray(i, i + (4 << 20))); hw.digest() }
const all = [...fns.map((f) => () => f(big)), hwf], names = [...files.map((f) => f.split("/").pop()), "hash-wasm"]
const times = all.map(() => [])
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
for (let r = 0; r < 15; r++) all.forEach((f, i) => { const c = cpu(); f(); times[i].push(cpu() - c) })
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]
names.forEach((n, i) => console.log(`${n}: median ${med(times[i]).toFixed(1)} ms / 32 MiB = ${(32 / 1.048576 / med(times[i]) * 1000).toFixed(0)} MB/s`))
