/**
 * Published KDF test vectors, with their source. Test data only.
 * - HKDF-SHA256: RFC 5869, Appendix A, test cases 1-3 (A.1-A.3).
 * - PBKDF2-HMAC-SHA256: RFC 7914, §11 (the two PBKDF2 cases, dkLen 64).
 * - scrypt: RFC 7914, §12, the first three cases (N = 16, 1024, 16384). The fourth
 *   (N = 2^20, r = 8: 1 GiB of memory, several seconds a kernel) is left out: it would
 *   take a gigabyte per kernel on a shared test machine and tests nothing the others do not.
 * - Argon2id: RFC 9106, §5.3 (with its secret and associated data).
 */
import type { DeriveParams } from "./DeriveParams.js"

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)
const text = (s: string) => new TextEncoder().encode(s)

export interface PublishedKdfVector {
  readonly name: string
  readonly params: DeriveParams
  readonly hex: string
}

export const PUBLISHED_KDF_VECTORS: ReadonlyArray<PublishedKdfVector> = [
  {
    name: "RFC 5869 A.1",
    params: { algorithm: "hkdf-sha256", ikm: new Uint8Array(22).fill(0x0b), salt: range(0x00, 0x0c), info: range(0xf0, 0xf9), length: 42 },
    hex: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
  },
  {
    name: "RFC 5869 A.2",
    params: { algorithm: "hkdf-sha256", ikm: range(0x00, 0x4f), salt: range(0x60, 0xaf), info: range(0xb0, 0xff), length: 82 },
    hex: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c" +
      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71" +
      "cc30c58179ec3e87c14c01d5c1f3434f1d87"
  },
  {
    name: "RFC 5869 A.3",
    params: { algorithm: "hkdf-sha256", ikm: new Uint8Array(22).fill(0x0b), salt: new Uint8Array(0), info: new Uint8Array(0), length: 42 },
    hex: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
  },
  {
    name: "RFC 7914 §11 passwd/salt c=1",
    params: { algorithm: "pbkdf2-sha256", password: text("passwd"), salt: text("salt"), iterations: 1, length: 64, allowShortSalt: true },
    hex: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc" +
      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
  },
  {
    name: "RFC 7914 §11 Password/NaCl c=80000",
    params: { algorithm: "pbkdf2-sha256", password: text("Password"), salt: text("NaCl"), iterations: 80000, length: 64, allowShortSalt: true },
    hex: "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56" +
      "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
  },
  {
    name: "RFC 7914 §12 ''/'' N=16 r=1 p=1",
    params: { algorithm: "scrypt", password: text(""), salt: text(""), logN: 4, r: 1, p: 1, length: 64, allowShortSalt: true },
    hex: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442" +
      "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
  },
  {
    name: "RFC 7914 §12 password/NaCl N=1024 r=8 p=16",
    params: { algorithm: "scrypt", password: text("password"), salt: text("NaCl"), logN: 10, r: 8, p: 16, length: 64, allowShortSalt: true },
    hex: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162" +
      "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
  },
  {
    name: "RFC 7914 §12 pleaseletmein/SodiumChloride N=16384 r=8 p=1",
    params: { algorithm: "scrypt", password: text("pleaseletmein"), salt: text("SodiumChloride"), logN: 14, r: 8, p: 1, length: 64, allowShortSalt: true },
    hex: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2" +
      "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
  },
  {
    name: "RFC 9106 §5.3 Argon2id (secret and associated data)",
    params: {
      algorithm: "argon2id",
      password: new Uint8Array(32).fill(0x01),
      salt: new Uint8Array(16).fill(0x02),
      secret: new Uint8Array(8).fill(0x03),
      associatedData: new Uint8Array(12).fill(0x04),
      memoryKiB: 32,
      passes: 3,
      parallelism: 4,
      length: 32
    },
    hex: "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
  }
]
