// Which packages a bundle's bytes come from, by its source map: each generated character
// is counted for the source its mapping segment names (unmapped ones as "(unmapped)").
// Usage: node scripts/bundle-breakdown.mjs <file.js> [--modules] [--top N]
import { readFileSync } from "node:fs"

const args = process.argv.slice(2)
const file = args.find((a) => !a.startsWith("--"))
if (file === undefined) {
  console.error("usage: node scripts/bundle-breakdown.mjs <file.js> [--modules] [--top N]")
  process.exit(2)
}
const byModule = args.includes("--modules")
const topAt = args.indexOf("--top")
const top = topAt === -1 ? 40 : Number(args[topAt + 1])

const code = readFileSync(file, "utf8")
const map = JSON.parse(readFileSync(`${file}.map`, "utf8"))
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const digit = new Map([...alphabet].map((c, i) => [c, i]))

/** Decodes one segment's base64 VLQ fields. */
const decode = (segment) => {
  const fields = []
  let value = 0
  let shift = 0
  for (const c of segment) {
    const d = digit.get(c)
    value += (d & 31) << shift
    if (d & 32) shift += 5
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return fields
}

/** A source's package ("effect", "@noble/curves") or, for the project's own, its folder. */
const groupOf = (source) => {
  const nm = source.lastIndexOf("node_modules/")
  if (nm !== -1) {
    const rest = source.slice(nm + "node_modules/".length).split("/")
    const name = rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
    if (!byModule) return name
    return `${name}/${rest.slice(rest[0].startsWith("@") ? 2 : 1).join("/")}`
  }
  const src = source.indexOf("/src/")
  if (src !== -1) {
    const parts = source.slice(src + 5).split("/")
    return byModule ? source.slice(source.lastIndexOf("packages/") === -1 ? 0 : source.lastIndexOf("packages/")) : `sluice:${parts.length > 1 ? parts[0] : "."}`
  }
  return source
}

const lines = code.split("\n")
const totals = new Map()
const add = (key, n) => totals.set(key, (totals.get(key) ?? 0) + n)
let sourceIndex = 0
map.mappings.split(";").forEach((line, row) => {
  const length = (lines[row] ?? "").length + 1
  let column = 0
  let last = 0
  let lastSource = undefined
  for (const segment of line === "" ? [] : line.split(",")) {
    const fields = decode(segment)
    column += fields[0]
    add(lastSource === undefined ? "(unmapped)" : groupOf(map.sources[lastSource]), column - last)
    last = column
    if (fields.length > 1) {
      sourceIndex += fields[1]
      lastSource = sourceIndex
    } else lastSource = undefined
  }
  add(lastSource === undefined ? "(unmapped)" : groupOf(map.sources[lastSource]), Math.max(0, length - last))
})

const total = [...totals.values()].reduce((a, b) => a + b, 0)
const kb = (n) => `${(n / 1024).toFixed(1).padStart(8)} KiB`
console.log(`${file}: ${kb(total)} (${code.length} characters), ${map.sources.length} sources`)
for (const [key, n] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${kb(n)} ${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`)
}
