/**
 * What a command loads before it does its work: a command that needs no worker thread
 * (`--version`, a derivation on libuv's threads, a check the cache answers) evaluates
 * neither the RPC client and Effect's worker platform (their chunks load with the first
 * worker) nor the built-in modules used on one path only. Asserted on the built CLI, from
 * the modules Node itself reports loaded.
 */
import { argon2Sync } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { INLINE_LIMITS } from "./checkMain.js"
import { binPath, runProcess, tool, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("startup")

/**
 * Preloaded into the program: records every file an import resolves to and, at exit,
 * prints them with the built-in modules loaded. Only the main thread reports (a worker
 * inherits the variable it sets).
 */
const PRELOAD = "data:text/javascript," + encodeURIComponent(`
import { registerHooks } from "node:module"
if (process.env.SLUICE_TEST_LOADS === undefined) {
  process.env.SLUICE_TEST_LOADS = "main"
  const files = []
  let beforeKdf
  registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (r.url.startsWith("file:")) files.push(r.url.slice(r.url.lastIndexOf("/") + 1)); return r } })
  // Asked for by a derivation's test only: loading node:crypto here would load it for every command.
  if (process.env.SLUICE_TEST_KDF !== undefined) {
    const crypto = process.getBuiltinModule("node:crypto")
    for (const kdf of ["argon2", "scrypt"]) {
      const call = crypto[kdf]
      crypto[kdf] = function (...args) { beforeKdf ??= files.slice(); return call.apply(this, args) }
    }
  }
  process.on("exit", () => process.stderr.write("\\nLOADS " + JSON.stringify({
    builtins: process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)),
    files,
    beforeKdf
  }) + "\\n"))
}
`)

interface Loads {
  readonly status: number | null
  readonly stdout: string
  readonly builtins: ReadonlyArray<string>
  readonly files: ReadonlyArray<string>
  /** The files resolved when node:crypto's argon2 or scrypt was first called (with SLUICE_TEST_KDF set), if it was. */
  readonly beforeKdf?: ReadonlyArray<string>
}

const loadsOf = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Loads> => {
  const result = await runProcess(process.execPath, ["--import", PRELOAD, binPath, ...args], { env, timeoutMs: 30_000 })
  const line = result.stderr.split("\n").find((l) => l.startsWith("LOADS "))
  expect(line, result.stderr).toBeDefined()
  return { status: result.status, stdout: result.stdout, ...JSON.parse(line!.slice(6)) }
}

/**
 * Built-in modules only some paths need: commander's child_process (and dgram behind it),
 * keygen's v8, --stats' perf_hooks, workers' worker_threads, the cache's zlib. (node:net
 * is not among them: standard output on a pipe is a socket.)
 */
const ONE_PATH_BUILTINS = ["child_process", "dgram", "v8", "perf_hooks", "worker_threads", "readline"]
/** What a module facade (`import ... from "node:fs"`, "node:util", "node:process") would have evaluated. */
const FACADE_BUILTINS = ["internal/fs/promises", "internal/readline/interface", "internal/util/parse_args/parse_args"]
/** The chunks that load with the first worker. */
const WORKER_CHUNKS = /^(RpcClient|NodeWorker|earlyWorker)-/

const expectLean = (loads: Loads, alsoAbsent: ReadonlyArray<string> = []) => {
  expect(loads.builtins.filter((m) => [...ONE_PATH_BUILTINS, ...FACADE_BUILTINS, ...alsoAbsent].includes(m))).toEqual([])
  expect(loads.files.filter((f) => WORKER_CHUNKS.test(f))).toEqual([])
}

/** The sources (from its source map) of each chunk of the CLI a command read. */
const sourcesOf = (loads: Loads): Array<string> =>
  loads.files.filter((f) => f.endsWith(".js")).flatMap((f) => {
    try {
      return (JSON.parse(readFileSync(join(dirname(binPath), `${f}.map`), "utf8")) as { sources: Array<string> }).sources
    } catch {
      return []
    }
  })

describe("a command that needs no worker loads no worker machinery", () => {
  it("sluice --version reads effect by its modules: none of its crypto or network ones (imports through its barrel brought them)", async () => {
    const loads = await loadsOf(["--version"])
    expect(loads.status).toBe(0)
    const sources = sourcesOf(loads)
    expect(sources).toContainEqual(expect.stringMatching(/effect\/src\/Schema\.ts$/))
    expect(sources.filter((s) => /effect\/src\/(net|crypto)\//.test(s))).toEqual([])
  })

  it("sluice --version: no RPC client, no worker platform, no one-path built-in", async () => {
    const loads = await loadsOf(["--version"])
    expect(loads.status).toBe(0)
    expectLean(loads, ["zlib"])
  })

  it("sluice derive argon2id (on libuv's threads): the same, and node:crypto's own key", async () => {
    const password = join(dir, "pw")
    writeFileSync(password, "correct horse\n")
    const salt = "00112233445566778899aabbccddeeff"
    const loads = await loadsOf(["derive", "argon2id", "--memory", "1MiB", "--passes", "1", "--parallelism", "1", "--salt-hex", salt, "--length", "32", "--password-file", password], { SLUICE_TEST_KDF: "1" })
    expect(loads.status).toBe(0)
    const key = argon2Sync("argon2id", { message: "correct horse", nonce: Buffer.from(salt, "hex"), memory: 1024, passes: 1, parallelism: 1, tagLength: 32 })
    expect(loads.stdout).toBe(key.toString("hex") + "\n")
    expectLean(loads, ["zlib"])
     // derive's own program and core's derive entry: no other command, no commander (a plain
    // command line is read without it), none of Effect's Schema or RPC modules, and of the
    // pool only what runs tasks on this thread.
    const sources = sourcesOf(loads)
    expect(sources).toContainEqual(expect.stringMatching(/core\/src\/engine\/pool\/inlinePool\.ts$/))
    expect(sources.filter((s) => /effect\/src\/(Schema[A-Za-z]*|rpc\/.*|Pool)\.ts$|commander\/|src\/commands\/(?!derive(Run)?\.ts$)|src\/program\.ts$|engine\/errors\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    // node:crypto's call starts once the parameters are checked and the secret read; the
    // pool that runs it as a task, and Effect itself, load while it runs.
    const beforeKdf = sourcesOf({ ...loads, files: loads.beforeKdf ?? [] })
    expect(beforeKdf).toContainEqual(expect.stringMatching(/core\/src\/derive\/checkDerive\.ts$/))
    expect(beforeKdf.filter((s) => /effect\/src\/|engine\/pool\/|src\/run\.ts$|derive\/derive\.ts$/.test(s))).toEqual([])
    // ...and all of it is in one file besides bin.js: Node's loader resolves, reads and links
    // nothing else before the call.
    expect([...new Set(loads.beforeKdf)]).toEqual(["bin.js", "deriveMain.js"])
  })

  it("sluice check answered from the cache: no worker machinery", async () => {
    const file = join(dir, "small.bin")
    writeFileSync(file, "some bytes\n")
    const env = { SLUICE_CACHE_DIR: join(dir, "cache") }
    const hashed = await loadsOf(["hash", file], env)
    expect(hashed.status).toBe(0)
    writeFileSync(join(dir, "SUMS"), hashed.stdout)
    const loads = await loadsOf(["check", join(dir, "SUMS")], env)
    expect(loads.status).toBe(0)
    expect(loads.stdout).toBe(`${file}: OK\n`)
    expectLean(loads)
  })

  it("sluice check of a settled, unchanged file answered by the check index: its own program, no Effect, commander or other command", async () => {
    const file = join(dir, "settled.bin")
    writeFileSync(file, "settled bytes\n")
    const env = { SLUICE_CACHE_DIR: join(dir, "cache-index") }
    writeFileSync(join(dir, "SETTLED-SUMS"), (await loadsOf(["hash", file], env)).stdout)
    // A file changed within 2 s of a check is never indexed.
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    // The first check: the result cache answers it in the same program, which writes the index.
    const first = await loadsOf(["check", join(dir, "SETTLED-SUMS")], env)
    expect(first.stdout).toBe(`${file}: OK\n`)
    expect(sourcesOf(first).filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    const loads = await loadsOf(["check", join(dir, "SETTLED-SUMS")], env)
    expect(loads.status).toBe(0)
    expect(loads.stdout).toBe(`${file}: OK\n`)
    // The index's closing sum is a WebAssembly module of core's: no node:zlib; node:crypto
    // is not loaded for a checksum file found as it was.
    expectLean(loads, ["crypto", "zlib"])
    // All of it is one file besides bin.js: Node's loader resolves, reads and links no other
    // but @sluice/native where it is built (its `sameMany` stats the files: core's nativeBatch.ts).
    const addon = existsSync(join(dirname(binPath), "../../native/dist/sluice_native.node")) ? ["index.cjs", "sluice_native.node"] : []
    expect([...new Set(loads.files)]).toEqual(["bin.js", "checkMain.js", ...addon])
    const sources = sourcesOf(loads)
    expect(sources).toContainEqual(expect.stringMatching(/src\/checkMain\.ts$/))
    expect(sources.filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    // A file changed since is read and hashed there too.
    writeFileSync(file, "other bytes\n")
    const changed = await loadsOf(["check", join(dir, "SETTLED-SUMS")], env)
    expect(changed.status).toBe(1)
    expect(changed.stdout).toBe(`${file}: FAILED\n`)
    expect(sourcesOf(changed).filter((s) => /effect\/|commander\/|src\/program\.ts$/.test(s))).toEqual([])
  })

  it("sluice check after sluice hash, a file changed since: answered by the lean check, which reads that file", async () => {
    const files = [join(dir, "first-a.bin"), join(dir, "first-b.bin")]
    files.forEach((file, i) => writeFileSync(file, `first ${i}\n`))
    const env = { SLUICE_CACHE_DIR: join(dir, "cache-first") }
    writeFileSync(join(dir, "FIRST-SUMS"), (await loadsOf(["hash", ...files], env)).stdout)
    writeFileSync(files[1]!, "changed since\n")
    const loads = await loadsOf(["check", join(dir, "FIRST-SUMS")], env)
    expect({ status: loads.status, stdout: loads.stdout }).toEqual({ status: 1, stdout: `${files[0]}: OK\n${files[1]}: FAILED\n` })
    expect(sourcesOf(loads).filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
  })

  it("sluice hash of small files: its own program (hashMain.ts), no Effect, commander, RPC or pool worker", async () => {
    const files = [join(dir, "lean-a.txt"), join(dir, "lean-b.txt")]
    files.forEach((file, i) => writeFileSync(file, `lean ${i}\n`))
    for (const args of [["hash", "--no-cache", ...files], ["hash", "-a", "sha512", ...files]]) {
      const loads = await loadsOf(args, { SLUICE_CACHE_DIR: join(dir, "cache-lean") })
      expect(loads.status).toBe(0)
      expect(loads.stdout.trim().split("\n")).toHaveLength(2)
      expectLean(loads)
      expect(loads.files.filter((f) => /^(program|chunk|worker)-?/.test(f))).toEqual([])
      expect(sourcesOf(loads).filter((s) => /effect\/|commander\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    }
  })

  it("BLAKE3 of small files, then their check and re-check with -a blake3, where @sluice/native is built: the lean programs, no Effect, commander or pool", async () => {
    if (!existsSync(join(dirname(binPath), "../../native/dist/sluice_native.node"))) return
    const files = [join(dir, "b3-a.txt"), join(dir, "b3-b.txt")]
    files.forEach((file, i) => writeFileSync(file, `blake3 ${i}\n`))
    const env = { SLUICE_CACHE_DIR: join(dir, "cache-b3") }
    const hashed = await loadsOf(["hash", "-a", "blake3", ...files], env)
    expect(hashed.status).toBe(0)
    expect(hashed.stdout).toBe(tool("b3sum", files).stdout)
    expect(sourcesOf(hashed).filter((s) => /effect\/|commander\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    writeFileSync(join(dir, "B3SUMS"), hashed.stdout)
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    for (const run of ["first", "again"]) {
      const loads = await loadsOf(["check", "-a", "blake3", join(dir, "B3SUMS")], env)
      expect({ run, status: loads.status, stdout: loads.stdout }).toEqual({ run, status: 0, stdout: files.map((file) => `${file}: OK\n`).join("") })
      expect(sourcesOf(loads).filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
    }
    // A file changed since: read and hashed there too (the addon's BLAKE3), as b3sum -c says.
    writeFileSync(files[1]!, "changed since\n")
    const changed = await loadsOf(["check", "-a", "blake3", join(dir, "B3SUMS")], env)
    expect({ status: changed.status, stdout: changed.stdout }).toEqual({ status: 1, stdout: `${files[0]}: OK\n${files[1]}: FAILED\n` })
    expect(sourcesOf(changed).filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
  })

  it("a first check on an empty cache, or with --no-cache, of lists sha256sum and b3sum made, more files than a re-check reads itself: the lean check hashes them all, no Effect, commander or pool", async () => {
    const many = Array.from({ length: INLINE_LIMITS.files + 1 }, (_, i) => join(dir, "foreign", `f${i}.txt`))
    mkdirSync(join(dir, "foreign"), { recursive: true })
    const write = () => many.forEach((file, i) => writeFileSync(file, `foreign ${i}\n`))
    write()
    const native = existsSync(join(dirname(binPath), "../../native/dist/sluice_native.node"))
    const lists: Array<[string, Array<string>]> = [["sha256sum", []], ["sha256sum", ["--tag"]], ...(native ? [["b3sum", []] as [string, Array<string>]] : [])]
    const check = async (racy: boolean) => {
      for (const [peer, listFlags] of lists) {
        writeFileSync(join(dir, "FOREIGN"), tool(peer, [...listFlags, ...many]).stdout)
        // BLAKE3 is hashed here by @sluice/native only: without it, the full program's.
        const flags = peer === "b3sum" ? ["-a", "blake3"] : []
        for (const more of [[], ["--no-cache"]]) {
          // Written again just before a racy run: each file changed within the racy window, however slow the runs before.
          if (racy) write()
          const loads = await loadsOf(["check", ...flags, ...more, join(dir, "FOREIGN")], { SLUICE_CACHE_DIR: join(dir, `cache-foreign-${peer}${listFlags.join("")}-${racy}-${more.length}`) })
          const what = { peer, listFlags, more, racy }
          const expected = peer === "b3sum" ? tool("b3sum", ["-c", join(dir, "FOREIGN")]).stdout : many.map((file) => `${file}: OK\n`).join("")
          expect({ ...what, status: loads.status, stdout: loads.stdout }).toEqual({ ...what, status: 0, stdout: expected })
          expectLean(loads)
          expect(sourcesOf(loads).filter((s) => /effect\/|commander\/|src\/commands\/|src\/program\.ts$|WorkerPool\.ts$/.test(s))).toEqual([])
          // A plain list is read by @sluice/native's one call (checkMain.ts's fromRecords), where
          // it is built: on an empty cache, not while a file is racy (it is cached with a
          // fingerprint), always with --no-cache; anything else by the lean hash (hashMain.js).
          const oneCall = native && listFlags.length === 0 && (!racy || more.length > 0)
          expect({ ...what, hashMain: loads.files.includes("hashMain.js") }).toEqual({ ...what, hashMain: !oneCall })
        }
      }
    }
    await check(true)
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    await check(false)
  })

  it("SLUICE_LEAN=0: the same hash of small files runs the full program, with the same lines", async () => {
    const files = [join(dir, "lean-a.txt"), join(dir, "lean-b.txt")]
    files.forEach((file, i) => writeFileSync(file, `lean ${i}\n`))
    const lean = await loadsOf(["hash", "--no-cache", ...files])
    const full = await loadsOf(["hash", "--no-cache", ...files], { SLUICE_LEAN: "0" })
    expect(full.status).toBe(0)
    expect(full.stdout).toBe(lean.stdout)
    expect(sourcesOf(full).some((s) => /src\/program\.ts$/.test(s))).toBe(true)
    expect(sourcesOf(full).some((s) => /src\/hashMain\.ts$/.test(s))).toBe(false)
  })

  it("a job that starts a worker loads the RPC client and the worker platform then", async () => {
    // Larger than the lean hash takes (hashMain.ts: 64 MiB): the pool's.
    const file = join(dir, "large.bin")
    writeFileSync(file, "")
    truncateSync(file, 65 * 1024 * 1024)
    const loads = await loadsOf(["hash", "--no-cache", "-w", "1", file])
    expect(loads.status).toBe(0)
    expect(loads.files.filter((f) => /^(RpcClient|NodeWorker)-/.test(f)).map((f) => f.split("-")[0]).sort()).toEqual(["NodeWorker", "RpcClient"])
    expect(loads.builtins).toContain("worker_threads")
  })
})

describe("when the worker starts", () => {
  const chunkOrder = (loads: Loads) => loads.files.map((f) => f.split("-")[0])

  it("a hash naming a large file with the cache on starts none before the program: the cache may answer it", async () => {
    const file = join(dir, "sparse-64m.bin")
    writeFileSync(file, "")
    truncateSync(file, 64 * 1024 * 1024)
    mkdirSync(join(dir, "cache-large", "results"), { recursive: true })
    const loads = await loadsOf(["hash", "-a", "blake3", file], { SLUICE_CACHE_DIR: join(dir, "cache-large") })
    expect(loads.status).toBe(0)
    expect(chunkOrder(loads)).not.toContain("earlyWorker")
  })

  // Files over 64 MiB are the full program's (hashMain.ts hashes smaller ones itself).
  it("a hash with --no-cache of a file larger than the lean hash takes starts its worker before the program loads", async () => {
    const file = join(dir, "medium-0.bin")
    writeFileSync(file, "")
    truncateSync(file, 65 * 1024 * 1024)
    const loads = await loadsOf(["hash", "--no-cache", file])
    expect(loads.status).toBe(0)
    const order = chunkOrder(loads)
    expect(order).toContain("earlyWorker")
    expect(order.indexOf("earlyWorker")).toBeLessThan(order.indexOf("program"))
  })

  it("a hash of small files with the cache on starts none before the program: the cache may answer them all", async () => {
    const file = join(dir, "small-1.bin")
    writeFileSync(file, "a few bytes\n")
    mkdirSync(join(dir, "cache-small", "results"), { recursive: true })
    const loads = await loadsOf(["hash", "-a", "blake3", file], { SLUICE_CACHE_DIR: join(dir, "cache-small") })
    expect(loads.status).toBe(0)
    expect(chunkOrder(loads)).not.toContain("earlyWorker")
  })

  it("a hash with the cache on, whose folder holds no results yet, starts its worker before the program loads: the cache can answer nothing", async () => {
    const file = join(dir, "medium-2.bin")
    writeFileSync(file, "")
    truncateSync(file, 65 * 1024 * 1024)
    const loads = await loadsOf(["hash", file], { SLUICE_CACHE_DIR: join(dir, "cache-none") })
    expect(loads.status).toBe(0)
    const order = chunkOrder(loads)
    expect(order).toContain("earlyWorker")
    expect(order.indexOf("earlyWorker")).toBeLessThan(order.indexOf("program"))
  })
})

describe("the native BLAKE3 addon", () => {
  /** Preloaded: prints, at exit, whether this thread `require`d `@napi-rs/blake-hash` (a worker inherits the variable it sets). */
  const ADDON_PRELOAD = "data:text/javascript," + encodeURIComponent(`
import { createRequire } from "node:module"
if (process.env.SLUICE_TEST_ADDON === undefined) {
  process.env.SLUICE_TEST_ADDON = "main"
  const { cache } = createRequire(process.cwd() + "/")
  process.on("exit", () => process.stderr.write("\\nBLAKE_ADDON " + Object.keys(cache).some((k) => k.includes("blake-hash")) + "\\n"))
}
`)
  const addonLoaded = async (args: ReadonlyArray<string>): Promise<boolean> => {
    const result = await runProcess(process.execPath, ["--import", ADDON_PRELOAD, binPath, ...args], { timeoutMs: 30_000 })
    expect(result.status, result.stderr).toBe(0)
    const line = result.stderr.split("\n").find((l) => l.startsWith("BLAKE_ADDON "))
    expect(line, result.stderr).toBeDefined()
    return line === "BLAKE_ADDON true"
  }

  it("is not loaded on this thread by a command that hashes nothing (keygen on its workers)", async () => {
    expect(await addonLoaded(["keygen", "-t", "ed25519", "-n", "300", "--jsonl", join(dir, "keys.jsonl")])).toBe(false)
  })
})
