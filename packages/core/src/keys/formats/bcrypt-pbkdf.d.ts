/** The CommonJS `bcrypt-pbkdf` package (a port of OpenBSD's bcrypt_pbkdf.c): the one function used. */
declare module "bcrypt-pbkdf" {
  const bcryptPbkdf: {
    /** Fills `key[0..keylen)`; 0 on success, -1 on bad sizes (an empty passphrase among them). */
    pbkdf(
      pass: Uint8Array,
      passlen: number,
      salt: Uint8Array,
      saltlen: number,
      key: Uint8Array,
      keylen: number,
      rounds: number
    ): number
  }
  export default bcryptPbkdf
}
