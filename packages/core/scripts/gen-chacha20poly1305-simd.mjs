// Generates src/age/kernels/chacha20poly1305Simd.wat, ChaCha20-Poly1305 (RFC 8439) in
// WebAssembly: ChaCha20 with four blocks in the lanes of i32x4 vectors (the state's 16
// words are 16 vectors, lane b block b; the rounds' rotations by 16 and 8 are byte
// shuffles), Poly1305 scalar in 26-bit limbs with 64-bit products; then assembles it with
// wabt into chacha20poly1305Simd.wasm.ts (base64, committed so the library build needs no
// assembler). Run: node scripts/gen-chacha20poly1305-simd.mjs
//
// Memory (one 64 KiB page and what the caller grows): KEY 0 (32), NONCE 32 (12),
// POLY_KEY 64 (32), TAG 96 (16), LENGTHS 112 (16), PAD 128 (16), GROUP 256 (256 scratch),
// the caller's buffers from 1024.
import { readFileSync, writeFileSync } from "node:fs"
import initWabt from "wabt"

const KEY = 0, NONCE = 32, POLY_KEY = 64, TAG = 96, LENGTHS = 112, PAD = 128, GROUP = 256
const lines = []
const emit = (s) => lines.push(s)

// --- ChaCha20, 4 blocks a group --------------------------------------------------------
const x = (i) => `$x${i}`
const add = (a, b) => emit(`(local.set ${a} (i32x4.add (local.get ${a}) (local.get ${b})))`)
const xorRot = (d, a, n) => {
  const v = `(v128.xor (local.get ${d}) (local.get ${a}))`
  if (n === 16) emit(`(local.set ${d} (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 ${v} ${v}))`)
  else if (n === 8) emit(`(local.set ${d} (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 ${v} ${v}))`)
  else {
    emit(`(local.set $t ${v})`)
    emit(`(local.set ${d} (v128.or (i32x4.shl (local.get $t) (i32.const ${n})) (i32x4.shr_u (local.get $t) (i32.const ${32 - n}))))`)
  }
}
const quarter = (a, b, c, d) => {
  add(x(a), x(b)); xorRot(x(d), x(a), 16)
  add(x(c), x(d)); xorRot(x(b), x(c), 12)
  add(x(a), x(b)); xorRot(x(d), x(a), 8)
  add(x(c), x(d)); xorRot(x(b), x(c), 7)
}

emit(`(module`)
emit(`(memory (export "memory") 1)`)
// Poly1305's state between calls of $blocks: h (5 limbs of 26 bits), r and 5r.
for (const g of ["h0", "h1", "h2", "h3", "h4", "r0", "r1", "r2", "r3", "r4", "s1", "s2", "s3", "s4"]) emit(`(global $${g} (mut i64) (i64.const 0))`)

// $groups(counter, src, dst, groups): src XOR the keystream of KEY and NONCE from block
// `counter`, 256 bytes (4 blocks) a group, into dst (dst may be src).
emit(`(func $groups (param $counter i32) (param $src i32) (param $dst i32) (param $groups i32)`)
for (let i = 0; i < 16; i++) emit(`(local $x${i} v128) (local $j${i} v128)`)
emit(`(local $t v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $r i32)`)
;[0x61707865, 0x3320646e, 0x79622d32, 0x6b206574].forEach((c, i) => emit(`(local.set $j${i} (i32x4.splat (i32.const ${c | 0})))`))
for (let i = 0; i < 8; i++) emit(`(local.set $j${4 + i} (i32x4.splat (i32.load offset=${KEY + 4 * i} (i32.const 0))))`)
for (let i = 0; i < 3; i++) emit(`(local.set $j${13 + i} (i32x4.splat (i32.load offset=${NONCE + 4 * i} (i32.const 0))))`)
emit(`(local.set $j12 (i32x4.add (i32x4.splat (local.get $counter)) (v128.const i32x4 0 1 2 3)))`)
emit(`(block $done (loop $group`)
emit(`(br_if $done (i32.eqz (local.get $groups)))`)
for (let i = 0; i < 16; i++) emit(`(local.set $x${i} (local.get $j${i}))`)
emit(`(local.set $r (i32.const 10))`)
emit(`(loop $round`)
quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15)
quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14)
emit(`(local.set $r (i32.sub (local.get $r) (i32.const 1)))`)
emit(`(br_if $round (local.get $r)))`)
for (let i = 0; i < 16; i++) add(x(i), `$j${i}`)
// Words w..w+3 of the 4 blocks transposed: block b's 16 bytes at 64 b + 4 w.
for (let w = 0; w < 16; w += 4) {
  const [A, B, C, D] = [x(w), x(w + 1), x(w + 2), x(w + 3)]
  const low = "0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23", high = "8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31"
  emit(`(local.set $t0 (i8x16.shuffle ${low} (local.get ${A}) (local.get ${B})))`)
  emit(`(local.set $t1 (i8x16.shuffle ${high} (local.get ${A}) (local.get ${B})))`)
  emit(`(local.set $t2 (i8x16.shuffle ${low} (local.get ${C}) (local.get ${D})))`)
  emit(`(local.set $t3 (i8x16.shuffle ${high} (local.get ${C}) (local.get ${D})))`)
  const lo = "0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23", hi = "8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31"
  ;[[lo, "$t0", "$t2"], [hi, "$t0", "$t2"], [lo, "$t1", "$t3"], [hi, "$t1", "$t3"]].forEach(([s, p, q], b) => {
    const off = 64 * b + 4 * w
    emit(`(v128.store offset=${off} (local.get $dst) (v128.xor (v128.load offset=${off} (local.get $src)) (i8x16.shuffle ${s} (local.get ${p}) (local.get ${q}))))`)
  })
}
emit(`(local.set $j12 (i32x4.add (local.get $j12) (v128.const i32x4 4 4 4 4)))`)
emit(`(local.set $src (i32.add (local.get $src) (i32.const 256)))`)
emit(`(local.set $dst (i32.add (local.get $dst) (i32.const 256)))`)
emit(`(local.set $groups (i32.sub (local.get $groups) (i32.const 1)))`)
emit(`(br $group)))`)
emit(`)`)

// $xor(counter, src, dst, len): any length; a last partial group goes through GROUP (wiped).
emit(`(func $xor (param $counter i32) (param $src i32) (param $dst i32) (param $len i32) (local $full i32) (local $rest i32)`)
emit(`(local.set $full (i32.shr_u (local.get $len) (i32.const 8)))`)
emit(`(call $groups (local.get $counter) (local.get $src) (local.get $dst) (local.get $full))`)
emit(`(local.set $rest (i32.and (local.get $len) (i32.const 255)))`)
emit(`(if (local.get $rest) (then`)
emit(`  (local.set $src (i32.add (local.get $src) (i32.shl (local.get $full) (i32.const 8))))`)
emit(`  (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $full) (i32.const 8))))`)
emit(`  (memory.fill (i32.const ${GROUP}) (i32.const 0) (i32.const 256))`)
emit(`  (memory.copy (i32.const ${GROUP}) (local.get $src) (local.get $rest))`)
emit(`  (call $groups (i32.add (local.get $counter) (i32.shl (local.get $full) (i32.const 2))) (i32.const ${GROUP}) (i32.const ${GROUP}) (i32.const 1))`)
emit(`  (memory.copy (local.get $dst) (i32.const ${GROUP}) (local.get $rest))`)
emit(`  (memory.fill (i32.const ${GROUP}) (i32.const 0) (i32.const 256))))`)
emit(`)`)

// --- Poly1305 (26-bit limbs, poly1305-donna's 32-bit layout) --------------------------
const M26 = "(i64.const 0x3ffffff)"
const ld = (ptr, off, shift) => `(i64.shr_u (i64.load32_u offset=${off} (local.get ${ptr})) (i64.const ${shift}))`
// $polyInit: r clamped and h zeroed from the 32-byte one-time key at POLY_KEY.
emit(`(func $polyInit (local $k i32)`)
emit(`(local.set $k (i32.const ${POLY_KEY}))`)
emit(`(global.set $r0 (i64.and ${ld("$k", 0, 0)} (i64.const 0x3ffffff)))`)
emit(`(global.set $r1 (i64.and ${ld("$k", 3, 2)} (i64.const 0x3ffff03)))`)
emit(`(global.set $r2 (i64.and ${ld("$k", 6, 4)} (i64.const 0x3ffc0ff)))`)
emit(`(global.set $r3 (i64.and ${ld("$k", 9, 6)} (i64.const 0x3f03fff)))`)
emit(`(global.set $r4 (i64.and ${ld("$k", 12, 8)} (i64.const 0x00fffff)))`)
for (const i of [1, 2, 3, 4]) emit(`(global.set $s${i} (i64.mul (global.get $r${i}) (i64.const 5)))`)
for (const i of [0, 1, 2, 3, 4]) emit(`(global.set $h${i} (i64.const 0))`)
emit(`)`)
// $blocks(m, n): n full 16-byte blocks (each with its 2^128 bit) absorbed into h.
emit(`(func $blocks (param $m i32) (param $n i32)`)
emit(`(local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)`)
emit(`(local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64) (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)`)
emit(`(local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64) (local $c i64)`)
for (const g of ["h0", "h1", "h2", "h3", "h4", "r0", "r1", "r2", "r3", "r4", "s1", "s2", "s3", "s4"]) emit(`(local.set $${g} (global.get $${g}))`)
emit(`(block $done (loop $block`)
emit(`(br_if $done (i32.eqz (local.get $n)))`)
emit(`(local.set $h0 (i64.add (local.get $h0) (i64.and ${ld("$m", 0, 0)} ${M26})))`)
emit(`(local.set $h1 (i64.add (local.get $h1) (i64.and ${ld("$m", 3, 2)} ${M26})))`)
emit(`(local.set $h2 (i64.add (local.get $h2) (i64.and ${ld("$m", 6, 4)} ${M26})))`)
emit(`(local.set $h3 (i64.add (local.get $h3) (i64.and ${ld("$m", 9, 6)} ${M26})))`)
emit(`(local.set $h4 (i64.add (local.get $h4) (i64.or ${ld("$m", 12, 8)} (i64.const 0x1000000))))`)
const mul = (a, b) => `(i64.mul (local.get $${a}) (local.get $${b}))`
const sum = (terms) => terms.reduce((acc, t) => acc === undefined ? t : `(i64.add ${acc} ${t})`, undefined)
const rows = [
  ["r0", "s4", "s3", "s2", "s1"],
  ["r1", "r0", "s4", "s3", "s2"],
  ["r2", "r1", "r0", "s4", "s3"],
  ["r3", "r2", "r1", "r0", "s4"],
  ["r4", "r3", "r2", "r1", "r0"]
]
rows.forEach((row, i) => emit(`(local.set $d${i} ${sum(row.map((r, j) => mul(`h${j}`, r)))})`))
emit(`(local.set $c (i64.shr_u (local.get $d0) (i64.const 26))) (local.set $h0 (i64.and (local.get $d0) ${M26}))`)
for (const i of [1, 2, 3, 4]) {
  emit(`(local.set $d${i} (i64.add (local.get $d${i}) (local.get $c)))`)
  emit(`(local.set $c (i64.shr_u (local.get $d${i}) (i64.const 26))) (local.set $h${i} (i64.and (local.get $d${i}) ${M26}))`)
}
emit(`(local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))`)
emit(`(local.set $c (i64.shr_u (local.get $h0) (i64.const 26))) (local.set $h0 (i64.and (local.get $h0) ${M26}))`)
emit(`(local.set $h1 (i64.add (local.get $h1) (local.get $c)))`)
emit(`(local.set $m (i32.add (local.get $m) (i32.const 16)))`)
emit(`(local.set $n (i32.sub (local.get $n) (i32.const 1)))`)
emit(`(br $block)))`)
for (const i of [0, 1, 2, 3, 4]) emit(`(global.set $h${i} (local.get $h${i}))`)
emit(`)`)
// $padded(m, len): len bytes absorbed as 16-byte blocks, the last zero-padded (RFC 8439 §2.8).
emit(`(func $padded (param $m i32) (param $len i32) (local $rest i32)`)
emit(`(call $blocks (local.get $m) (i32.shr_u (local.get $len) (i32.const 4)))`)
emit(`(local.set $rest (i32.and (local.get $len) (i32.const 15)))`)
emit(`(if (local.get $rest) (then`)
emit(`  (v128.store (i32.const ${PAD}) (v128.const i64x2 0 0))`)
emit(`  (memory.copy (i32.const ${PAD}) (i32.add (local.get $m) (i32.and (local.get $len) (i32.const -16))) (local.get $rest))`)
emit(`  (call $blocks (i32.const ${PAD}) (i32.const 1))`)
emit(`  (v128.store (i32.const ${PAD}) (v128.const i64x2 0 0))))`)
emit(`)`)
// $tag(ad, adLen, ct, ctLen): the AEAD's tag over ad and ct at TAG (RFC 8439 §2.8), the key at POLY_KEY.
emit(`(func $tag (param $ad i32) (param $adLen i32) (param $ct i32) (param $ctLen i32)`)
emit(`(local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64) (local $c i64)`)
emit(`(local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64) (local $mask i64) (local $f i64)`)
emit(`(call $polyInit)`)
emit(`(call $padded (local.get $ad) (local.get $adLen))`)
emit(`(call $padded (local.get $ct) (local.get $ctLen))`)
emit(`(i64.store (i32.const ${LENGTHS}) (i64.extend_i32_u (local.get $adLen)))`)
emit(`(i64.store (i32.const ${LENGTHS + 8}) (i64.extend_i32_u (local.get $ctLen)))`)
emit(`(call $blocks (i32.const ${LENGTHS}) (i32.const 1))`)
for (const i of [0, 1, 2, 3, 4]) emit(`(local.set $h${i} (global.get $h${i}))`)
// Full carry.
emit(`(local.set $c (i64.shr_u (local.get $h1) (i64.const 26))) (local.set $h1 (i64.and (local.get $h1) ${M26}))`)
for (const i of [2, 3, 4]) {
  emit(`(local.set $h${i} (i64.add (local.get $h${i}) (local.get $c)))`)
  emit(`(local.set $c (i64.shr_u (local.get $h${i}) (i64.const 26))) (local.set $h${i} (i64.and (local.get $h${i}) ${M26}))`)
}
emit(`(local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))`)
emit(`(local.set $c (i64.shr_u (local.get $h0) (i64.const 26))) (local.set $h0 (i64.and (local.get $h0) ${M26}))`)
emit(`(local.set $h1 (i64.add (local.get $h1) (local.get $c)))`)
// g = h + 5 - 2^130; h = g where it did not go negative (no branch on secret data).
emit(`(local.set $g0 (i64.add (local.get $h0) (i64.const 5)))`)
emit(`(local.set $c (i64.shr_u (local.get $g0) (i64.const 26))) (local.set $g0 (i64.and (local.get $g0) ${M26}))`)
for (const i of [1, 2, 3]) {
  emit(`(local.set $g${i} (i64.add (local.get $h${i}) (local.get $c)))`)
  emit(`(local.set $c (i64.shr_u (local.get $g${i}) (i64.const 26))) (local.set $g${i} (i64.and (local.get $g${i}) ${M26}))`)
}
emit(`(local.set $g4 (i64.sub (i64.add (local.get $h4) (local.get $c)) (i64.const 0x4000000)))`)
// mask: all ones when g4 >= 0 (take g), zero when negative (keep h).
emit(`(local.set $mask (i64.sub (i64.shr_u (local.get $g4) (i64.const 63)) (i64.const 1)))`)
for (const i of [0, 1, 2, 3, 4]) {
  emit(`(local.set $h${i} (i64.or (i64.and (local.get $h${i}) (i64.xor (local.get $mask) (i64.const -1))) (i64.and (local.get $g${i}) (local.get $mask))))`)
}
emit(`(local.set $h4 (i64.and (local.get $h4) ${M26}))`)
// h as 4 words of 32 bits, plus s (the key's second half), mod 2^128.
const M32 = "(i64.const 0xffffffff)"
emit(`(local.set $g0 (i64.and (i64.or (local.get $h0) (i64.shl (local.get $h1) (i64.const 26))) ${M32}))`)
emit(`(local.set $g1 (i64.and (i64.or (i64.shr_u (local.get $h1) (i64.const 6)) (i64.shl (local.get $h2) (i64.const 20))) ${M32}))`)
emit(`(local.set $g2 (i64.and (i64.or (i64.shr_u (local.get $h2) (i64.const 12)) (i64.shl (local.get $h3) (i64.const 14))) ${M32}))`)
emit(`(local.set $g3 (i64.and (i64.or (i64.shr_u (local.get $h3) (i64.const 18)) (i64.shl (local.get $h4) (i64.const 8))) ${M32}))`)
emit(`(local.set $f (i64.add (local.get $g0) (i64.load32_u offset=${POLY_KEY + 16} (i32.const 0))))`)
emit(`(i32.store offset=${TAG} (i32.const 0) (i32.wrap_i64 (local.get $f)))`)
for (const i of [1, 2, 3]) {
  emit(`(local.set $f (i64.add (i64.add (local.get $g${i}) (i64.load32_u offset=${POLY_KEY + 16 + 4 * i} (i32.const 0))) (i64.shr_u (local.get $f) (i64.const 32))))`)
  emit(`(i32.store offset=${TAG + 4 * i} (i32.const 0) (i32.wrap_i64 (local.get $f)))`)
}
// Nothing of the one-time key or the state stays.
emit(`(v128.store (i32.const ${POLY_KEY}) (v128.const i64x2 0 0)) (v128.store (i32.const ${POLY_KEY + 16}) (v128.const i64x2 0 0))`)
for (const g of ["h0", "h1", "h2", "h3", "h4", "r0", "r1", "r2", "r3", "r4", "s1", "s2", "s3", "s4"]) emit(`(global.set $${g} (i64.const 0))`)
emit(`)`)

// The one-time Poly1305 key: the first 32 bytes of block 0's keystream.
emit(`(func $polyKey`)
emit(`(memory.fill (i32.const ${GROUP}) (i32.const 0) (i32.const 256))`)
emit(`(call $groups (i32.const 0) (i32.const ${GROUP}) (i32.const ${GROUP}) (i32.const 1))`)
emit(`(memory.copy (i32.const ${POLY_KEY}) (i32.const ${GROUP}) (i32.const 32))`)
emit(`(memory.fill (i32.const ${GROUP}) (i32.const 0) (i32.const 256))`)
emit(`)`)

// seal(src, dst, len, ad, adLen): dst gets len bytes of ciphertext then the 16-byte tag.
emit(`(func (export "seal") (param $src i32) (param $dst i32) (param $len i32) (param $ad i32) (param $adLen i32)`)
emit(`(call $polyKey)`)
emit(`(call $xor (i32.const 1) (local.get $src) (local.get $dst) (local.get $len))`)
emit(`(call $tag (local.get $ad) (local.get $adLen) (local.get $dst) (local.get $len))`)
emit(`(memory.copy (i32.add (local.get $dst) (local.get $len)) (i32.const ${TAG}) (i32.const 16))`)
emit(`(v128.store (i32.const ${TAG}) (v128.const i64x2 0 0))`)
emit(`)`)
// open(src, dst, len, ad, adLen): src holds len bytes of ciphertext then its tag; 1 and the
// plaintext in dst when the tag verifies (compared in constant time), else 0 and dst untouched.
emit(`(func (export "open") (param $src i32) (param $dst i32) (param $len i32) (param $ad i32) (param $adLen i32) (result i32) (local $diff v128) (local $ok i32)`)
emit(`(call $polyKey)`)
emit(`(call $tag (local.get $ad) (local.get $adLen) (local.get $src) (local.get $len))`)
emit(`(local.set $diff (v128.xor (v128.load (i32.const ${TAG})) (v128.load (i32.add (local.get $src) (local.get $len)))))`)
emit(`(v128.store (i32.const ${TAG}) (v128.const i64x2 0 0))`)
emit(`(local.set $ok (i64.eqz (i64.or (i64x2.extract_lane 0 (local.get $diff)) (i64x2.extract_lane 1 (local.get $diff)))))`)
emit(`(if (local.get $ok) (then (call $xor (i32.const 1) (local.get $src) (local.get $dst) (local.get $len))))`)
emit(`(local.get $ok)`)
emit(`)`)
emit(`)`)

const wat = lines.join("\n") + "\n"
const dir = new URL("../src/age/kernels/", import.meta.url)
writeFileSync(new URL("chacha20poly1305Simd.wat", dir), `;; GENERATED by scripts/gen-chacha20poly1305-simd.mjs; do not edit.\n${wat}`)
const wabt = await initWabt()
const parsed = wabt.parseWat("chacha20poly1305Simd.wat", wat, { simd: true })
parsed.resolveNames()
parsed.validate()
const { buffer } = parsed.toBinary({ log: false, write_debug_names: false })
parsed.destroy()
const bytes = Buffer.from(buffer)
if (!WebAssembly.validate(bytes)) throw new Error("the assembled kernel does not validate")
const base64 = bytes.toString("base64")
writeFileSync(
  new URL("chacha20poly1305Simd.wasm.ts", dir),
  `// GENERATED by scripts/gen-chacha20poly1305-simd.mjs from chacha20poly1305Simd.wat; do not edit.
/** ChaCha20-Poly1305 (ChaCha20 4 blocks in SIMD lanes, Poly1305 scalar), ${bytes.length} bytes of WebAssembly, base64. */
export const CHACHA20POLY1305_SIMD_WASM_BASE64 =
${(base64.match(/.{1,100}/g) ?? []).map((l) => `  "${l}"`).join(" +\n")}
`
)
console.log(`chacha20poly1305Simd.wasm: ${bytes.length} bytes`)
