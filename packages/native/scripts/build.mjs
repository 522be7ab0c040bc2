// Builds the addon where it can be built: a cargo (on PATH, or rustup's ~/.cargo/bin) and
// Debian's crates (librust-blake3-dev, librust-rayon-dev, librust-memmap2-dev under
// /usr/share/cargo/registry, which .cargo/config.toml puts in crates.io's place). Elsewhere
// it says so in one line and succeeds: Sluice then hashes and seals with its fallback kernels.
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const REGISTRY = "/usr/share/cargo/registry"
const CRATES = ["blake3-1.", "rayon-1.", "memmap2-0.5."]
const out = join(root, "dist", "sluice_native.node")

rmSync(join(root, "dist"), { recursive: true, force: true })

const cargo = [process.env["CARGO"], "cargo", join(homedir(), ".cargo", "bin", "cargo")].find((candidate) =>
  candidate !== undefined && spawnSync(candidate, ["--version"], { stdio: "ignore" }).status === 0
)
const present = existsSync(REGISTRY) ? readdirSync(REGISTRY) : []
const missing = CRATES.filter((prefix) => !present.some((name) => name.startsWith(prefix)))
if (process.env["SLUICE_NATIVE_BUILD"] === "0" || cargo === undefined || missing.length > 0) {
  const why = process.env["SLUICE_NATIVE_BUILD"] === "0"
    ? "SLUICE_NATIVE_BUILD=0"
    : cargo === undefined ? "no cargo" : `no Debian crates ${missing.map((p) => p.replace(/-.*$/, "")).join(", ")} (librust-*-dev)`
  console.log(`@sluice/native: not built (${why}); BLAKE3 and age's cipher use the fallback kernels`)
  process.exit(0)
}

const built = spawnSync(cargo, ["build", "--release", "--offline", "--locked", "--quiet"], { cwd: root, stdio: "inherit" })
if (built.status !== 0) {
  console.error(`@sluice/native: cargo build failed (exit ${built.status ?? built.signal})`)
  process.exit(1)
}
const library = { darwin: "libsluice_native.dylib", win32: "sluice_native.dll" }[process.platform] ?? "libsluice_native.so"
mkdirSync(dirname(out), { recursive: true })
copyFileSync(join(root, "target", "release", library), out)
console.log(`@sluice/native: built ${out.slice(root.length + 1)}`)
