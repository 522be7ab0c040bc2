// The two commands of the README, runnable with the machine's own Node and npm:
// installs the pinned pnpm and the workspace (Node 24 comes in as a devDependency),
// then builds and runs the main job, or runs every test.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { addTotals, closingLine, emptyTotals } from "./testTotals.mjs"

const PNPM = "pnpm@10.34.8"
const root = fileURLToPath(new URL("..", import.meta.url))

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }

const run = (args) => {
  const result = spawnSync("npx", ["-y", PNPM, ...args], { cwd: root, stdio: "inherit", env })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

/**
 * Every package's tests (`test:all` goes on after a failure), their output passed through
 * as it comes, then one closing line with the totals over every vitest run. Exits non-zero
 * when anything failed.
 */
const test = () => {
  const child = spawn("npx", ["-y", PNPM, "run", "test:all"], {
    cwd: root,
    stdio: ["inherit", "pipe", "pipe"],
    env: process.stdout.isTTY && env.NO_COLOR === undefined ? { FORCE_COLOR: "1", ...env } : env
  })
  let totals = emptyTotals()
  const scan = (out) => {
    let partial = ""
    return (chunk) => {
      out.write(chunk)
      const lines = (partial + chunk.toString("utf8")).split("\n")
      partial = lines.pop() ?? ""
      totals = lines.reduce(addTotals, totals)
    }
  }
  child.stdout.on("data", scan(process.stdout))
  child.stderr.on("data", scan(process.stderr))
  child.on("close", (code, signal) => {
    const ok = code === 0 && totals.failed === 0
    if (!ok && totals.failed === 0) {
      console.log("\nSome tests did not run or a test file failed to load: see the output above.")
    }
    console.log(closingLine(totals))
    process.exit(ok ? 0 : signal === "SIGINT" ? 130 : code || 1)
  })
}

/**
 * `vite preview` of the web app (the web package's own `preview` script), run directly on
 * this Node rather than through pnpm or a shell: Ctrl-C, which the terminal sends to the
 * whole process group, then stops it quietly, with no "command failed" line.
 */
const serveWeb = () => {
  const web = join(root, "packages", "web")
  const script = JSON.parse(readFileSync(join(web, "package.json"), "utf8")).scripts.preview
  const [command, ...args] = script.trim().split(/\s+/)
  if (command !== "vite") throw new Error(`packages/web's preview script is not a vite command: ${script}`)
  const vite = join(web, "node_modules", "vite")
  const bin = JSON.parse(readFileSync(join(vite, "package.json"), "utf8")).bin.vite
  // The workspace's Node 24 (a devDependency), as `pnpm run` would pick it: this script may run on an older one.
  const pinned = join(root, "node_modules", "node", "bin", "node")
  const node = existsSync(pinned) ? pinned : process.execPath
  const child = spawn(node, [join(vite, bin), ...args], { cwd: web, stdio: "inherit", env })
  // The server gets the terminal's SIGINT itself; one sent to this process alone is passed on.
  process.on("SIGINT", () => child.kill("SIGINT"))
  process.on("SIGTERM", () => child.kill("SIGTERM"))
  child.on("close", (code, signal) => {
    if (signal === "SIGINT" || signal === "SIGTERM" || code === 130) process.exit(0)
    process.exit(code ?? 1)
  })
}

const task = process.argv[2]
run(["install", "--frozen-lockfile"])
if (task === "test") {
  // The tests compare Sluice with native tools (b3sum, coreutils, openssl).
  const peers = spawnSync("bash", ["scripts/peers.sh"], { cwd: root, stdio: "inherit" })
  if (peers.status !== 0) process.exit(peers.status ?? 1)
  test()
} else if (task === "start") {
  run(["run", "build"])
  console.log("\nThe CLI is built: ./sluice --help")
  console.log("The web app is served at http://localhost:4173 (Ctrl-C stops it)\n")
  serveWeb()
} else {
  console.error(`usage: node scripts/dev.mjs start|test`)
  process.exit(2)
}
