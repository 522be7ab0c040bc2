;; The check index's closing sum (checkIndex.ts): what catches a damaged or foreign index
;; file, computed without loading a module (node:zlib's CRC-32 cost ~2 ms of a re-check to
;; load). Not cryptographic: the file is written whole through a rename, and anyone who
;; can write it can write its sum.
;;
;; sum(n) reads memory [0, n), n a multiple of 8, as little-endian 64-bit words w and
;; folds each into h: h = g(h xor w), g(x) = x' xor (x' >> 33) with x' = x * K (K odd).
;; g is a bijection, so two inputs of one length that differ in a single word always sum
;; differently; other damage goes unseen with a chance of about 2^-64.
(module
  (memory (export "memory") 1)
  (func (export "sum") (param $n i32) (result i64)
    (local $at i32)
    (local $h i64)
    ;; The length first: a file cut at a word boundary sums differently from the whole.
    (local.set $h (i64.xor (i64.const 0x736c756963652d31) (i64.extend_i32_u (local.get $n))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $n)))
        (local.set $h
          (i64.mul (i64.xor (local.get $h) (i64.load (local.get $at))) (i64.const 0xff51afd7ed558ccd)))
        (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $next)))
    (local.get $h)))
