import { execFileSync, spawnSync } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { rfc3339 } from "./age.js"

const zone = process.env["TZ"]
afterEach(() => {
  if (zone === undefined) delete process.env["TZ"]
  else process.env["TZ"] = zone
})

/** Node reads TZ again when it is set: each case runs in its zone. */
const inZone = (tz: string, millis: number) => {
  process.env["TZ"] = tz
  return rfc3339(millis)
}

describe("# created:, as age-keygen writes it (Go's time.Now().Format(time.RFC3339))", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

  it("is the local time with its offset, whole seconds, Z for UTC", () => {
    expect(inZone("UTC", at)).toBe("2026-01-02T03:04:05Z")
    expect(inZone("Europe/Paris", at)).toBe("2026-01-02T04:04:05+01:00")
    expect(inZone("Asia/Kolkata", at)).toBe("2026-01-02T08:34:05+05:30")
    expect(inZone("America/St_Johns", at)).toBe("2026-01-01T23:34:05-03:30")
    // Summer time is the offset of that day.
    expect(inZone("Europe/Paris", Date.UTC(2026, 6, 1, 12))).toBe("2026-07-01T14:00:00+02:00")
  })

  it("ends in the offset Debian's age-keygen writes in the same zone", () => {
    if (spawnSync("age-keygen", ["--version"]).error !== undefined) return expect.fail("age-keygen is missing: bash scripts/peers.sh installs it")
    for (const tz of ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"]) {
      const theirs = execFileSync("age-keygen", { env: { ...process.env, TZ: tz }, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0]!
      const offset = (line: string) => /(Z|[+-]\d\d:\d\d)$/.exec(line)?.[1]
      expect(offset(`# created: ${inZone(tz, Date.now())}`), tz).toBe(offset(theirs))
      expect(offset(theirs), tz).toBeDefined()
    }
  })
})
