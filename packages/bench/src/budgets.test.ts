import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import {
  type Budget,
  type CommandFigures,
  evaluateBudget,
  evaluateBudgets,
  exitCodeFor,
  loadBudgets,
  parseBudgets,
  type ScenarioFigures,
  selectBudgets
} from "./budgets.js"
import { SCENARIOS } from "./scenarios.js"

const throughputBudget: Budget = {
  name: "sha256-vs-openssl",
  scenario: "sha256-large",
  metric: "ratio",
  subject: "sluice",
  peer: "openssl",
  direction: ">=",
  target: "test",
  enforce: true,
  sizes: { full: { threshold: 0.9 }, small: { threshold: 0.5, why: "start-up" } }
}

const rssBudget: Budget = {
  name: "rss-peak",
  scenario: "rss-flat",
  metric: "rss_mib",
  subject: "sluice_large",
  direction: "<=",
  target: "test",
  enforce: true,
  sizes: { full: { threshold: 128 }, small: { threshold: 128 } }
}

const scenario = (id: string, commands: Record<string, CommandFigures>, error?: string): ScenarioFigures => ({
  id,
  commands,
  ...(error === undefined ? {} : { error })
})

const sha256 = (sluiceMBps: number, opensslMBps: number) =>
  scenario("sha256-large", {
    sluice: { label: "sluice", seconds: 1, mbPerSec: sluiceMBps },
    openssl: { label: "openssl", seconds: 1, mbPerSec: opensslMBps }
  })

describe("evaluateBudget", () => {
  it("passes a throughput ratio at the threshold and fails one below it", () => {
    const pass = evaluateBudget(throughputBudget, "full", sha256(900, 1000))
    expect(pass.status).toBe("PASS")
    expect(pass.value).toBeCloseTo(0.9)

    const broken = evaluateBudget(throughputBudget, "full", sha256(899, 1000))
    expect(broken.status).toBe("FAIL")
    expect(broken.value).toBeCloseTo(0.899)
    expect(broken.threshold).toBe(0.9)
  })

  it("judges each size by its own threshold and carries the why", () => {
    const small = evaluateBudget(throughputBudget, "small", sha256(600, 1000))
    expect(small.status).toBe("PASS")
    expect(small.threshold).toBe(0.5)
    expect(small.why).toBe("start-up")
    expect(evaluateBudget(throughputBudget, "full", sha256(600, 1000)).status).toBe("FAIL")
  })

  it("fails an upper bound that is exceeded (peak RSS)", () => {
    const over = evaluateBudget(rssBudget, "full", scenario("rss-flat", { sluice_large: { label: "s", seconds: 1, rssMiB: 200 } }))
    expect(over.status).toBe("FAIL")
    expect(over.value).toBe(200)
    const under = evaluateBudget(rssBudget, "full", scenario("rss-flat", { sluice_large: { label: "s", seconds: 1, rssMiB: 100 } }))
    expect(under.status).toBe("PASS")
  })

  it("fails, naming the reason, when the peer tool is missing", () => {
    const missing = "openssl not found on PATH: install the Debian package `openssl`"
    const v = evaluateBudget(throughputBudget, "full", scenario("sha256-large", {
      sluice: { label: "sluice", seconds: 1, mbPerSec: 5000 },
      openssl: { label: "openssl", error: missing }
    }))
    expect(v.status).toBe("FAIL")
    expect(v.reason).toContain("Debian package `openssl`")
    expect(v.value).toBeUndefined()
  })

  it("fails when the scenario failed (digests differ) or was not measured", () => {
    expect(evaluateBudget(throughputBudget, "full", scenario("sha256-large", {}, "digests differ")).status).toBe("FAIL")
    expect(evaluateBudget(throughputBudget, "full", undefined).status).toBe("FAIL")
  })

  it("fails an RSS budget when GNU time is missing, with its message", () => {
    const v = evaluateBudget(rssBudget, "full", scenario("rss-flat", {
      sluice_large: { label: "s", seconds: 1, rssError: "install the Debian package `time`" }
    }))
    expect(v.status).toBe("FAIL")
    expect(v.reason).toContain("`time`")
  })

  it("fails a budget whose command hung in some runs, though its figures would pass", () => {
    const v = evaluateBudget(throughputBudget, "full", scenario("sha256-large", {
      sluice: { label: "sluice", seconds: 1, mbPerSec: 5000, defect: "HUNG in 1 of 6 invocations" },
      openssl: { label: "openssl", seconds: 1, mbPerSec: 1000 }
    }))
    expect(v.value).toBe(5)
    expect(v.status).toBe("FAIL")
    expect(v.reason).toContain("HUNG")
  })

  it("never fails a report-only budget, but says what it would have been", () => {
    const info: Budget = { ...throughputBudget, name: "info", enforce: false }
    const v = evaluateBudget(info, "full", sha256(100, 1000))
    expect(v.status).toBe("INFO")
    expect(v.wouldPass).toBe(false)
    const noSizes: Budget = { name: "n", scenario: "sha256-large", metric: "ratio", subject: "sluice", peer: "openssl", direction: ">=", target: "t", enforce: false }
    const w = evaluateBudget(noSizes, "small", sha256(100, 1000))
    expect(w.status).toBe("INFO")
    expect(w.threshold).toBeUndefined()
    expect(w.wouldPass).toBeUndefined()
  })

  it("divides seconds for seconds_ratio (below 1: Sluice finished first)", () => {
    const b: Budget = { ...throughputBudget, metric: "seconds_ratio", peer: "sha256sum", direction: "<=", sizes: { full: { threshold: 1 }, small: { threshold: 1 } } }
    const s = (sluice: number, peer: number) =>
      scenario("sha256-large", { sluice: { label: "s", seconds: sluice }, sha256sum: { label: "p", seconds: peer } })
    expect(evaluateBudget(b, "full", s(0.5, 1)).status).toBe("PASS")
    const lost = evaluateBudget(b, "full", s(3, 1))
    expect(lost.status).toBe("FAIL")
    expect(lost.value).toBe(3)
  })
})

describe("browser metrics", () => {
  const web = (commands: Record<string, Omit<CommandFigures, "label">>): ScenarioFigures =>
    scenario("web", Object.fromEntries(Object.entries(commands).map(([id, c]) => [id, { label: id, ...c }])))
  const base = { scenario: "web", direction: "<=" as const, enforce: true, target: "t" }
  const sizes = (threshold: number) => ({ full: { threshold }, small: { threshold } })

  it("judges ms on the subject's own figure, with an upper bound", () => {
    const budget: Budget = { ...base, name: "cancel", metric: "ms", subject: "c", sizes: sizes(100) }
    expect(evaluateBudget(budget, "small", web({ c: { ms: 14 } }))).toMatchObject({ status: "PASS", value: 14 })
    expect(evaluateBudget(budget, "small", web({ c: { ms: 100 } })).status).toBe("PASS")
    expect(evaluateBudget(budget, "small", web({ c: { ms: 140 } })).status).toBe("FAIL")
    // 0 ms (no long task at all) is a figure, not a missing one.
    expect(evaluateBudget({ ...budget, sizes: sizes(50) }, "small", web({ c: { ms: 0 } })).status).toBe("PASS")
    expect(evaluateBudget(budget, "small", web({ c: {} }))).toMatchObject({ status: "FAIL", reason: "c: no timing measured" })
  })

  it("judges count alone and count_ratio against the peer's count", () => {
    const count: Budget = { ...base, name: "n", metric: "count", subject: "w", direction: ">=", sizes: sizes(2) }
    expect(evaluateBudget(count, "small", web({ w: { count: 2 } })).status).toBe("PASS")
    expect(evaluateBudget(count, "small", web({ w: { count: 1 } })).status).toBe("FAIL")
    const ratio: Budget = { ...count, name: "r", metric: "count_ratio", peer: "cores", sizes: sizes(1) }
    expect(evaluateBudget(ratio, "small", web({ w: { count: 2 }, cores: { count: 2 } }))).toMatchObject({ status: "PASS", value: 1 })
    expect(evaluateBudget(ratio, "small", web({ w: { count: 1 }, cores: { count: 2 } }))).toMatchObject({ status: "FAIL", value: 0.5 })
    expect(evaluateBudget(ratio, "small", web({ w: { count: 2 }, cores: {} }))).toMatchObject({ status: "FAIL", reason: "cores: no count measured" })
  })

  it("fails a browser budget, with the reason, when the browser could not run", () => {
    const budget: Budget = { ...base, name: "cancel", metric: "ms", subject: "c", sizes: sizes(100) }
    const verdict = evaluateBudget(budget, "small", web({ c: { error: "/usr/bin/chromium not found" } }))
    expect(verdict).toMatchObject({ status: "FAIL", reason: "c: /usr/bin/chromium not found" })
  })

  it("parses ms and count budgets without a peer, but not count_ratio", () => {
    const raw = { name: "x", scenario: "web", subject: "c", direction: "<=", target: "t", sizes: sizes(1) }
    expect(parseBudgets({ budgets: [{ ...raw, metric: "ms" }] }).budgets[0]!.metric).toBe("ms")
    expect(parseBudgets({ budgets: [{ ...raw, metric: "count" }] }).budgets[0]!.metric).toBe("count")
    expect(() => parseBudgets({ budgets: [{ ...raw, metric: "count_ratio" }] })).toThrow(/peer/)
  })
})

describe("cache metrics", () => {
  const cache = (commands: Record<string, Omit<CommandFigures, "label">>): ScenarioFigures =>
    scenario("cache", Object.fromEntries(Object.entries(commands).map(([id, c]) => [id, { label: id, ...c }])))
  const base = { scenario: "cache", enforce: true, target: "t" }
  const sizes = (threshold: number) => ({ full: { threshold }, small: { threshold } })

  it("judges speedup as the peer's seconds over the subject's", () => {
    const budget: Budget = { ...base, name: "s", metric: "speedup", subject: "re", peer: "first", direction: ">=", sizes: sizes(20) }
    expect(evaluateBudget(budget, "full", cache({ re: { seconds: 0.05 }, first: { seconds: 1 } }))).toMatchObject({ status: "PASS", value: 20 })
    expect(evaluateBudget(budget, "full", cache({ re: { seconds: 0.5 }, first: { seconds: 1.5 } }))).toMatchObject({ status: "FAIL", value: 3 })
    expect(evaluateBudget(budget, "full", cache({ re: {}, first: { seconds: 1 } }))).toMatchObject({ status: "FAIL", reason: "re: no timing measured" })
  })

  it("judges extra_ms as the subject's seconds minus the peer's, in ms", () => {
    const budget: Budget = { ...base, name: "e", metric: "extra_ms", subject: "hash", peer: "version", direction: "<=", sizes: sizes(20) }
    const pass = evaluateBudget(budget, "small", cache({ hash: { seconds: 0.115 }, version: { seconds: 0.1 } }))
    expect(pass.status).toBe("PASS")
    expect(pass.value).toBeCloseTo(15)
    expect(evaluateBudget(budget, "small", cache({ hash: { seconds: 0.125 }, version: { seconds: 0.1 } })).status).toBe("FAIL")
    // Faster than the peer is a negative figure, still within the budget.
    expect(evaluateBudget(budget, "small", cache({ hash: { seconds: 0.09 }, version: { seconds: 0.1 } })).value).toBeCloseTo(-10)
  })

  it("judges percent and a zero count on the subject alone", () => {
    const rate: Budget = { ...base, name: "p", metric: "percent", subject: "hits", direction: ">=", sizes: sizes(98) }
    expect(evaluateBudget(rate, "small", cache({ hits: { percent: 99 } })).status).toBe("PASS")
    expect(evaluateBudget(rate, "small", cache({ hits: { percent: 97.9 } })).status).toBe("FAIL")
    expect(evaluateBudget(rate, "small", cache({ hits: {} }))).toMatchObject({ status: "FAIL", reason: "hits: no percentage measured" })
    const wrong: Budget = { ...base, name: "w", metric: "count", subject: "wrong", direction: "<=", sizes: sizes(0) }
    expect(evaluateBudget(wrong, "small", cache({ wrong: { count: 0 } })).status).toBe("PASS")
    expect(evaluateBudget(wrong, "small", cache({ wrong: { count: 1 } })).status).toBe("FAIL")
  })

  it("accepts a zero threshold only where zero means something", () => {
    const raw = { name: "x", scenario: "cache", subject: "c", direction: "<=", target: "t", sizes: sizes(0) }
    expect(parseBudgets({ budgets: [{ ...raw, metric: "count" }] }).budgets[0]!.sizes!.full.threshold).toBe(0)
    expect(() => parseBudgets({ budgets: [{ ...raw, metric: "seconds_ratio", peer: "p" }] })).toThrow(/positive/)
    expect(() => parseBudgets({ budgets: [{ ...raw, metric: "count", sizes: sizes(-1) }] })).toThrow(/non-negative/)
  })
})

describe("rate_ratio", () => {
  const budget: Budget = {
    name: "keys",
    scenario: "k",
    metric: "rate_ratio",
    subject: "sluice",
    peer: "loop",
    direction: ">=",
    target: "t",
    enforce: true,
    sizes: { full: { threshold: 50 }, small: { threshold: 50 } }
  }

  it("compares keys per second, whatever each made (the loop makes fewer keys)", () => {
    const pass = evaluateBudget(budget, "small", scenario("k", {
      sluice: { label: "sluice", seconds: 2, perSecond: 10_000 },
      loop: { label: "loop", seconds: 1.1, perSecond: 180 }
    }))
    expect(pass.value).toBeCloseTo(10_000 / 180)
    expect(pass.status).toBe("PASS")
    const fail = evaluateBudget(budget, "small", scenario("k", { sluice: { label: "sluice", seconds: 2, perSecond: 468 }, loop: { label: "loop", seconds: 6.6, perSecond: 30 } }))
    expect(fail.status).toBe("FAIL")
    expect(evaluateBudget(budget, "small", scenario("k", { sluice: { label: "sluice", seconds: 2 }, loop: { label: "loop", perSecond: 30 } })).reason).toMatch(/no timing/)
  })
})

describe("paired_ratio", () => {
  const budget: Budget = {
    name: "cost",
    scenario: "m",
    metric: "paired_ratio",
    subject: "on",
    peer: "off",
    direction: ">=",
    target: "t",
    enforce: true,
    sizes: { full: { threshold: 0.98 }, small: { threshold: 0.98 } }
  }
  const runs = (...seconds: Array<number>) => seconds.map((s) => ({ seconds: s }))
  const rounds = (on: Array<number>, off: Array<number>) =>
    scenario("m", {
      on: { label: "on", seconds: 1, mbPerSec: 100, samples: runs(...on) },
      off: { label: "off", seconds: 1, mbPerSec: 100, samples: runs(...off) }
    })

  it("takes the median of the rounds' ratios, not the ratio of the medians", () => {
    // Round by round the subject is 1 % slower; the load doubled after the first two rounds.
    const v = evaluateBudget(budget, "small", rounds([1.01, 1.01, 2.02, 2.02, 2.02], [1, 1, 2, 2, 2]))
    expect(v.value).toBeCloseTo(1 / 1.01)
    expect(v.status).toBe("PASS")
    // A round that was disturbed for one of them moves the median by a rank, not by its size.
    const w = evaluateBudget(budget, "small", rounds([1.1, 1.1, 1.1, 1.1, 5], [1, 1, 1, 1, 1]))
    expect(w.value).toBeCloseTo(1 / 1.1)
    expect(w.status).toBe("FAIL")
  })

  it("fails, saying why, when the runs cannot be paired", () => {
    const v = evaluateBudget(budget, "small", rounds([1, 1], [1]))
    expect(v.status).toBe("FAIL")
    expect(v.reason).toContain("cannot be paired")
    expect(evaluateBudget({ ...budget, enforce: false }, "small", rounds([], [])).status).toBe("INFO")
  })
})

describe("exitCodeFor", () => {
  it("is 1 as soon as one budget breaks, 0 when all hold, and ignores report-only rows", () => {
    const pass = evaluateBudget(throughputBudget, "full", sha256(1000, 1000))
    const fail = evaluateBudget(throughputBudget, "full", sha256(100, 1000))
    const info = evaluateBudget({ ...throughputBudget, enforce: false }, "full", sha256(100, 1000))
    expect(exitCodeFor([pass, info])).toBe(0)
    expect(exitCodeFor([pass, fail, info])).toBe(1)
    expect(exitCodeFor([])).toBe(0)
  })

  it("is non-zero for a whole run where one of several budgets breaks", () => {
    const verdicts = evaluateBudgets([throughputBudget, rssBudget], "full", [
      sha256(950, 1000),
      scenario("rss-flat", { sluice_large: { label: "s", seconds: 1, rssMiB: 129 } })
    ])
    expect(verdicts.map((v) => v.status)).toEqual(["PASS", "FAIL"])
    expect(exitCodeFor(verdicts)).toBe(1)
  })
})

describe("budgets.json", () => {
  const file = loadBudgets()

  it("names known scenarios and commands, and has both sizes for every enforced budget", () => {
    for (const b of file.budgets) {
      const spec = SCENARIOS.find((s) => s.id === b.scenario)
      expect(spec, b.name).toBeDefined()
      const ids = spec!.commands.map((c) => c.id)
      expect(ids, b.name).toContain(b.subject)
      if (b.peer !== undefined) expect(ids, b.name).toContain(b.peer)
      if (b.enforce) expect(b.sizes, b.name).toBeDefined()
    }
  })

  it("names every scenario, so CI's run of every budget (no --only) measures every scenario, browser ones included", () => {
    const named = new Set(file.budgets.map((b) => b.scenario))
    expect(SCENARIOS.map((s) => s.id).filter((id) => !named.has(id))).toEqual([])
  })

  it("pairs only commands over the same input in paired ratios", () => {
    for (const b of file.budgets.filter((b) => b.metric === "paired_ratio")) {
      const spec = SCENARIOS.find((s) => s.id === b.scenario)!
      const input = (id: string | undefined) => spec.commands.find((c) => c.id === id)!.input
      for (const size of ["small", "full"] as const) expect(input(b.subject)(size), b.name).toEqual(input(b.peer)(size))
    }
  })

  it("explains every small threshold that differs from the full one", () => {
    for (const b of file.budgets) {
      if (b.sizes !== undefined && b.sizes.small.threshold !== b.sizes.full.threshold) {
        expect(b.sizes.small.why, b.name).toBeTruthy()
      }
    }
  })

  it("holds the issue's full targets", () => {
    const full = Object.fromEntries(file.budgets.map((b) => [b.name, b.sizes?.full.threshold]))
    expect(full).toMatchObject({
      "sha256-vs-openssl": 0.9,
      "blake3-vs-b3sum": 0.5,
      "blake3-scaling": 1.8,
      "rss-peak": 128,
      "rss-flat": 1.25,
      "files-256k-vs-sha256sum": 1,
      "web-longtask": 50,
      "web-pageload-longtask": 50,
      "web-pageload-typical": 50,
      "web-cancel": 100,
      "web-sha256-vs-cli": 0.8,
      "web-blake3-workers": 1,
      "web-memory": 256,
      "cache-recheck-speedup": 20,
      "cache-recheck-hit-rate": 98,
      "cache-recheck-exact": 0,
      "cache-repeat-overhead": 20,
      "cache-mixed-hit-rate": 80,
      "cache-mixed-exact": 0,
      "metrics-cost-large": 0.98,
      "metrics-cpu-large": 2,
      "metrics-cost-files": 0.98,
      "metrics-cpu-files": 2
    })
  })

  it("rejects malformed entries", () => {
    expect(() => parseBudgets({ budgets: [{ name: "x" }] })).toThrow(/metric/)
    expect(() => parseBudgets({ budgets: [{ ...throughputBudget, sizes: undefined }] })).toThrow(/sizes/)
    expect(() => parseBudgets({ budgets: [{ ...throughputBudget, peer: undefined }] })).toThrow(/peer/)
    expect(() => parseBudgets({ budgets: [throughputBudget, throughputBudget] })).toThrow(/duplicate/)
  })
})

describe("selectBudgets", () => {
  const known = ["sha256-large", "rss-flat"]
  it("selects one scenario by its id or by one of its budgets' names", () => {
    const all = [throughputBudget, rssBudget]
    expect(selectBudgets(all, "rss-flat", known)).toEqual({ budgets: [rssBudget] })
    expect(selectBudgets(all, "sha256-vs-openssl", known)).toEqual({ budgets: [throughputBudget] })
    expect(selectBudgets(all, undefined, known)).toEqual({ budgets: all })
    expect(selectBudgets(all, "nope", known)).toHaveProperty("error")
    expect(selectBudgets(all, undefined, ["rss-flat"])).toHaveProperty("error")
  })

  it("selects a comma-separated list, and `web` for every browser scenario", () => {
    const web1 = { ...rssBudget, name: "web-a", scenario: "web-cancel" }
    const web2 = { ...rssBudget, name: "web-b", scenario: "web-memory" }
    const all = [throughputBudget, rssBudget, web1, web2]
    const known = ["sha256-large", "rss-flat", "web-cancel", "web-memory"]
    expect(selectBudgets(all, "web", known)).toEqual({ budgets: [web1, web2] })
    expect(selectBudgets(all, "rss-flat,web-b", known)).toEqual({ budgets: [rssBudget, web2] })
    expect(selectBudgets(all, "rss-flat,nope", known)).toHaveProperty("error")
  })

  it("selects every cache scenario (cache-*) with `cache`", () => {
    const c1 = { ...rssBudget, name: "cache-a", scenario: "cache-recheck" }
    const c2 = { ...rssBudget, name: "cache-b", scenario: "cache-mixed" }
    const all = [throughputBudget, c1, c2]
    expect(selectBudgets(all, "cache", ["sha256-large", "cache-recheck", "cache-mixed"])).toEqual({ budgets: [c1, c2] })
  })
})

describe("the age scenarios", () => {
  const age = SCENARIOS.filter((s) => s.id.startsWith("age-"))
  const argsOf = (scenario: string, id: string) => age.find((s) => s.id === scenario)!.commands.find((c) => c.id === id)!.args(["/in/file"])

  it("encrypt to the public key of the identity fixture they decrypt with", () => {
    const keyFile = argsOf("age-decrypt", "age_file")[argsOf("age-decrypt", "age_file").indexOf("-i") + 1]!
    const publicKey = /^# public key: (age1\S+)$/m.exec(readFileSync(keyFile, "utf8"))?.[1]
    expect(publicKey).toBeDefined()
    for (const [scenario, id] of [["age-encrypt", "sluice_file"], ["age-encrypt", "age_null"], ["age-decrypt", "age_encrypt"]] as const) {
      const args = argsOf(scenario, id)
      expect(args[args.indexOf("-r") + 1], `${scenario} ${id}`).toBe(publicKey)
    }
  })

  it("decrypt the file their first command makes, and count a wrong passphrase's exit 6 as the run's success", () => {
    const made = argsOf("age-decrypt", "age_encrypt")
    for (const id of ["sluice_file", "age_file", "sluice_null", "age_null", "sluice_null_sodium"]) expect(argsOf("age-decrypt", id).at(-1), id).toBe(made[made.indexOf("-o") + 1])
    const wrong = age.find((s) => s.id === "age-scrypt-wrong")!.commands.find((c) => c.id === "wrong")!
    expect(wrong.expectExit).toBe(6)
    expect(wrong.env?.["SLUICE_PASSPHRASE"]).not.toBe(age.find((s) => s.id === "age-scrypt-wrong")!.commands[0]!.env?.["SLUICE_PASSPHRASE"])
  })
})
