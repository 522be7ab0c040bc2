/**
 * Published digests of "abc" and of the empty message, one pair per algorithm the CLI
 * offers, with where each comes from. Test data only.
 */
import { blake3Vectors } from "@sluice/vectors"

export interface AbcAndEmpty {
  readonly algorithm: string
  readonly abc: string
  readonly empty: string
  readonly source: string
}

export const ABC_AND_EMPTY: ReadonlyArray<AbcAndEmpty> = [
  {
    algorithm: "sha256",
    abc: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    empty: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    source: "FIPS 180-4 examples (abc); NIST CAVP SHA256ShortMsg Len = 0 (empty)"
  },
  {
    algorithm: "sha384",
    abc: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    empty: "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    source: "FIPS 180-4 examples (abc); NIST CAVP SHA384ShortMsg Len = 0 (empty)"
  },
  {
    algorithm: "sha512",
    abc: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    empty: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    source: "FIPS 180-4 examples (abc); NIST CAVP SHA512ShortMsg Len = 0 (empty)"
  },
  {
    algorithm: "sha1",
    abc: "a9993e364706816aba3e25717850c26c9cd0d89d",
    empty: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    source: "FIPS 180-4 examples (abc); NIST CAVP SHA1ShortMsg Len = 0 (empty)"
  },
  {
    algorithm: "md5",
    abc: "900150983cd24fb0d6963f7d28e17f72",
    empty: "d41d8cd98f00b204e9800998ecf8427e",
    source: "RFC 1321, A.5 test suite"
  },
  {
    algorithm: "sha3-256",
    abc: "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    empty: "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
    source: "FIPS 202 examples (NIST CSRC SHA3-256_Msg0, SHA3-256_Msg24)"
  },
  {
    algorithm: "sha3-512",
    abc: "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    empty: "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
    source: "FIPS 202 examples (NIST CSRC SHA3-512_Msg0, SHA3-512_Msg24)"
  },
  {
    algorithm: "blake2b-512",
    abc: "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    empty: "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
    source: "RFC 7693 Appendix A (abc); BLAKE2 reference test vectors, unkeyed, empty input"
  },
  {
    algorithm: "blake3",
    // Not an official vector (those use the 0..250 pattern): "abc" as the reference
    // implementation (b3sum) prints it; the empty input is official case input_len 0.
    abc: "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
    empty: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    source: "BLAKE3 test_vectors.json case 0 (empty); b3sum 1.x (abc)"
  }
]

/** More published messages: several blocks, and a long input read through stdin. */
export const LONGER_VECTORS = [
  {
    algorithm: "sha256",
    message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    source: "FIPS 180-4 examples, 448-bit message"
  },
  {
    algorithm: "sha1",
    message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    digest: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    source: "FIPS 180-4 examples, 448-bit message"
  },
  {
    algorithm: "md5",
    message: "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
    digest: "57edf4a22be3c955ac49da2e2107b67a",
    source: "RFC 1321, A.5 test suite"
  }
] as const

export const MILLION_A_SHA256 = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" // FIPS 180-4 examples

export interface Blake3Case {
  readonly inputLen: number
  /** The default 32-byte output: the first 64 hex digits of the extended `hash`. */
  readonly digest: string
}

/** The official BLAKE3 vectors (BLAKE3-team/BLAKE3, test_vectors/test_vectors.json; see @sluice/vectors). */
export const loadBlake3Vectors = (): ReadonlyArray<Blake3Case> =>
  blake3Vectors().cases.map((c) => ({ inputLen: c.input_len, digest: c.hash.slice(0, 64) }))

/** The official vectors' input: `length` bytes of the repeating sequence 0, 1, ..., 250. */
export const blake3Input = (length: number): Buffer => {
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) bytes[i] = i % 251
  return bytes
}
