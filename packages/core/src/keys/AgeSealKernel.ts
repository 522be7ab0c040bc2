import { Context } from "effect"
import type { SealKernel } from "../age/sealKey.js"

/**
 * The primitives `sluice keygen --seal-to` seals private keys with, on the keygen worker
 * (age/sealKey.ts): provided by a platform that has faster ones than noble (Node:
 * libsodium's X25519, node/NodeSealKernel.ts); absent, noble's. A loader, called only by a
 * request that seals: a run that does not never loads it.
 */
export class AgeSealKernel extends Context.Service<AgeSealKernel, () => Promise<SealKernel>>()("@sluice/core/AgeSealKernel") {}
