/**
 * Published digests of short messages, with their source. Test data only.
 * - SHA-1, SHA-256, SHA-384, SHA-512: FIPS 180-4 examples (NIST CSRC "Examples with
 *   Intermediate Values"): "abc", the 448-bit message, and one million "a" (SHA-256).
 * - SHA3-256, SHA3-512: FIPS 202 examples (NIST CSRC): "" and "abc".
 * - BLAKE2b-512: RFC 7693, Appendix A ("abc").
 * - MD5: RFC 1321, section A.5 (test suite).
 */
export interface PublishedVector {
  readonly algorithm: "sha256" | "sha384" | "sha512" | "sha1" | "md5" | "sha3-256" | "sha3-512" | "blake2b-512"
  readonly message: string
  readonly repeat?: number
  readonly digest: string
  readonly source: string
}

const ABC_448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

export const PUBLISHED_VECTORS: ReadonlyArray<PublishedVector> = [
  { algorithm: "sha256", message: "", digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", source: "FIPS 180-4" },
  { algorithm: "sha256", message: "abc", digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", source: "FIPS 180-4" },
  { algorithm: "sha256", message: ABC_448, digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", source: "FIPS 180-4" },
  { algorithm: "sha256", message: "a", repeat: 1_000_000, digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", source: "FIPS 180-4" },
  { algorithm: "sha384", message: "abc", digest: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7", source: "FIPS 180-4" },
  { algorithm: "sha512", message: "abc", digest: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", source: "FIPS 180-4" },
  { algorithm: "sha1", message: "abc", digest: "a9993e364706816aba3e25717850c26c9cd0d89d", source: "FIPS 180-4" },
  { algorithm: "sha1", message: ABC_448, digest: "84983e441c3bd26ebaae4aa1f95129e5e54670f1", source: "FIPS 180-4" },
  { algorithm: "sha3-256", message: "", digest: "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", source: "FIPS 202" },
  { algorithm: "sha3-256", message: "abc", digest: "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532", source: "FIPS 202" },
  { algorithm: "sha3-512", message: "abc", digest: "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0", source: "FIPS 202" },
  { algorithm: "blake2b-512", message: "abc", digest: "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923", source: "RFC 7693" },
  { algorithm: "md5", message: "", digest: "d41d8cd98f00b204e9800998ecf8427e", source: "RFC 1321" },
  { algorithm: "md5", message: "abc", digest: "900150983cd24fb0d6963f7d28e17f72", source: "RFC 1321" },
  { algorithm: "md5", message: "message digest", digest: "f96b697d7cb7938d525a2f31aaf161d0", source: "RFC 1321" }
]

export const vectorBytes = (v: PublishedVector): Uint8Array => new TextEncoder().encode(v.message.repeat(v.repeat ?? 1))
