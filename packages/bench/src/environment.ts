/** The record of where a run happened: machine, tool versions, which Sluice build. */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os"
import { basename, dirname, join } from "node:path"
import { findGnuTime, versionOf, which } from "./measure.js"
import { DEBIAN_PACKAGE, missingToolMessage, type MissingTool, type ToolId, type ToolInfo } from "./scenarios.js"

export interface MachineInfo {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly kernel: string
  readonly node: string
  readonly loadAverage: ReadonlyArray<number>
}

export const machineInfo = (): MachineInfo => ({
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: availableParallelism(),
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  kernel: release(),
  node: process.version,
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100)
})

export interface Toolbox {
  readonly tools: ReadonlyMap<ToolId, ToolInfo | MissingTool>
  readonly gnuTime: { path: string; version?: string } | { missing: string }
}

/** Finds every tool; a missing one carries the message naming its Debian package. */
export const findTools = (cliPath: string): Toolbox => {
  const tools = new Map<ToolId, ToolInfo | MissingTool>()
  const node = process.execPath
  if (existsSync(cliPath)) {
    const version = versionOf([node, cliPath, "--version"])
    tools.set("sluice", { id: "sluice", argv: [node, cliPath], ...(version === undefined ? {} : { version }) })
  } else {
    tools.set("sluice", {
      id: "sluice",
      missing: `the Sluice CLI is not built (${cliPath} is missing): run \`pnpm build\` (or tsup in packages/core, then packages/cli)`
    })
  }
  tools.set("node", { id: "node", argv: [node], version: process.version })
  for (const id of Object.keys(DEBIAN_PACKAGE) as Array<keyof typeof DEBIAN_PACKAGE>) {
    const path = which(id)
    if (path === undefined) {
      tools.set(id, { id, missing: missingToolMessage(id) })
      continue
    }
    // ssh-keygen has no --version: the OpenSSH version is ssh's.
    const version = id === "ssh-keygen" ? versionOf(["ssh", "-V"]) : versionOf(id === "openssl" ? [path, "version"] : [path, "--version"])
    tools.set(id, { id, argv: [path], ...(version === undefined ? {} : { version }) })
  }
  const time = findGnuTime()
  const gnuTime = "missing" in time ? time : { path: time.path, ...withVersion(versionOf([time.path, "--version"])) }
  return { tools, gnuTime }
}

const withVersion = (version: string | undefined) => version === undefined ? {} : { version }

export interface SluiceBuild {
  readonly cli: string
  readonly gitHead?: string
  /** Files of packages/core and packages/cli that differ from HEAD: the build may include them. */
  readonly uncommitted?: ReadonlyArray<string>
  /** sha256 over the CLI's dist/*.js, to notice a rebuild during the run. */
  readonly distFingerprint?: string
  readonly distBuiltAt?: string
}

const git = (cwd: string, args: ReadonlyArray<string>): string | undefined => {
  // --no-optional-locks: read-only, never refreshes the index.
  const result = spawnSync("git", ["--no-optional-locks", ...args], { cwd, encoding: "utf8", timeout: 10_000 })
  return result.status === 0 ? result.stdout.trim() : undefined
}

export const distFingerprint = (cliPath: string): { fingerprint: string; builtAt: string } | undefined => {
  const dir = dirname(cliPath)
  if (!existsSync(dir)) return undefined
  const files = readdirSync(dir).filter((f) => f.endsWith(".js")).sort()
  if (files.length === 0) return undefined
  const hash = createHash("sha256")
  let newest = 0
  for (const file of files) {
    hash.update(file).update(readFileSync(join(dir, file)))
    newest = Math.max(newest, statSync(join(dir, file)).mtimeMs)
  }
  return { fingerprint: hash.digest("hex").slice(0, 16), builtAt: new Date(newest).toISOString() }
}

export const sluiceBuild = (cliPath: string): SluiceBuild => {
  const repo = join(dirname(cliPath), "..", "..", "..")
  const head = git(repo, ["rev-parse", "--short", "HEAD"])
  const changed = git(repo, ["diff", "--name-only", "HEAD", "--", "packages/core", "packages/cli"])
  const dist = distFingerprint(cliPath)
  return {
    cli: cliPath,
    ...(head === undefined ? {} : { gitHead: head }),
    ...(changed === undefined ? {} : { uncommitted: changed === "" ? [] : changed.split("\n") }),
    ...(dist === undefined ? {} : { distFingerprint: dist.fingerprint, distBuiltAt: dist.builtAt })
  }
}

/**
 * Copies the CLI's dist folder (a self-contained bundle) into `dir`, so that a rebuild
 * during the run cannot mix two builds; undefined when the copy does not run.
 */
export const snapshotCli = (cliPath: string, dir: string): string | undefined => {
  const target = join(dir, "sluice-cli")
  try {
    cpSync(dirname(cliPath), target, { recursive: true, filter: (src) => !src.endsWith(".map") })
  } catch {
    return undefined
  }
  const copy = join(target, basename(cliPath))
  const probe = spawnSync(process.execPath, [copy, "--version"], { encoding: "utf8", timeout: 30_000 })
  return probe.status === 0 ? copy : undefined
}
