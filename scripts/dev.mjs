// The two commands of the README, runnable with the machine's own Node and npm:
// installs the pinned pnpm and the workspace (Node 24 comes in as a devDependency),
// then builds and runs the main job, or runs every test.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const PNPM = "pnpm@10.34.8"
const root = fileURLToPath(new URL("..", import.meta.url))

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" }

const run = (args) => {
  const result = spawnSync("npx", ["-y", PNPM, ...args], { cwd: root, stdio: "inherit", env })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const task = process.argv[2]
run(["install", "--frozen-lockfile"])
if (task === "test") {
  // The tests compare Sluice with native tools (b3sum, coreutils, openssl).
  const peers = spawnSync("bash", ["scripts/peers.sh"], { cwd: root, stdio: "inherit" })
  if (peers.status !== 0) process.exit(peers.status ?? 1)
  run(["run", "test:all"])
} else if (task === "start") {
  run(["run", "build"])
  console.log("\nThe CLI is built: ./sluice --help")
  console.log("The web app is served at http://localhost:4173 (Ctrl-C stops it)\n")
  run(["--filter", "@sluice/web", "run", "preview"])
} else {
  console.error(`usage: node scripts/dev.mjs start|test`)
  process.exit(2)
}
