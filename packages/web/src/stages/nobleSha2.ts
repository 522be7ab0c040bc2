/**
 * Stage five of the page's load (main.tsx), the first of seven for the cryptography core's
 * browser platform links statically for its age and key code (its workers' requests and
 * the age header's checks). Evaluated with core's modules, noble's made the core stage one
 * task of 16-24 ms of CPU (Chromium traces at load 5), the longest of the load, as each
 * module builds its tables while it is evaluated (SHA-512's round constants, AES's boxes,
 * the curves' fields); split over these stages, none takes more than a few ms. Each names
 * only what core uses, so the build keeps nothing more. This one: noble's SHA-2.
 */
import { sha256 } from "@noble/hashes/sha2.js"

export const loaded = sha256
