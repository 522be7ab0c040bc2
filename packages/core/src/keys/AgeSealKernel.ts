import { Context } from "effect"
import type { SealKernel } from "../age/sealKey.js"

/**
 * The primitives `sluice keygen --seal-to` seals private keys with, on the keygen worker
 * (age/sealKey.ts): provided by a platform that has faster ones than noble (Node:
 * libsodium's X25519, node/NodeSealKernel.ts); absent, noble's.
 */
export class AgeSealKernel extends Context.Service<AgeSealKernel, SealKernel>()("@sluice/core/AgeSealKernel") {}
