// Throwaway throughput check: JS chunk kernel vs the SIMD 4-chunk kernel, one core.
// Run: esbuild scripts/bench-blake3-simd.mjs --bundle --platform=node --format=esm --outfile=/tmp/bench.mjs && node /tmp/bench.mjs
import { Blake3SubtreeHasher } from "../src/hash/kernels/blake3Tree.ts"
import { compressChunks4 } from "../src/hash/kernels/blake3Simd.ts"

const MiB = 1024 * 1024
const size = 64 * MiB
const input = new Uint8Array(size)
for (let i = 0; i < size; i++) input[i] = (i * 2654435761) >>> 24

const time = (label, fn, reps = 5) => {
  fn()
  let best = Infinity
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    fn()
    best = Math.min(best, performance.now() - t)
  }
  const mbs = size / MiB / (best / 1000)
  console.log(`${label}: ${mbs.toFixed(0)} MiB/s (best of ${reps}, ${best.toFixed(1)} ms / 64 MiB)`)
  return mbs
}

const js = time("JS Blake3SubtreeHasher(0).update(64 MiB).rootDigest()", () => new Blake3SubtreeHasher(0).update(input).rootDigest())
const out = new Uint32Array(32)
const simd = time("SIMD compressChunks4 over 64 MiB (chunk CVs only)", () => {
  for (let at = 0, c = 0; at < size; at += 4096, c += 4) compressChunks4(input, at, c, out)
})
console.log(`kernel ratio: ${(simd / js).toFixed(2)}x`)
