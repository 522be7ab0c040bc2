/**
 * What `--seal-to` needs on a keygen worker, loaded (`import()`) by the handlers only for a
 * request that seals: a run without it never loads age's header, STREAM, armor or hybrid
 * code, so a keygen worker's memory and start are what they were.
 */
export { armor } from "../age/armor.js"
export { nobleSealKernel, sealRecipientsProblem, sealToAge } from "../age/sealKey.js"
