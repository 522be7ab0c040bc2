import { describe, expect, it } from "vitest"
import { cpuMsOfStat, rangesPerWorker } from "./browser.js"
import { cpuNote, describeLongest, longestOf, mainNote, stageOf } from "./web.js"

describe("Chromium's CPU time", () => {
  it("reads utime + stime of a /proc/PID/stat line whose command name holds spaces and parentheses", () => {
    const stat = "4242 (Chrome_Child (IO) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 150 37 0 0 20 0 9 0 100 0 0"
    expect(cpuMsOfStat(stat)).toBe(1870)
  })

  it("notes the page's main thread's CPU per job, or nothing where /proc gave none", () => {
    expect(mainNote([{ mainThreadCpuMs: 150 }, { mainThreadCpuMs: 110 }, {}, { mainThreadCpuMs: 270 }]))
      .toBe("; of it the page's main thread 150 ms (110-270 ms)")
    expect(mainNote([{}, {}])).toBe("")
  })

  it("notes the median CPU per run and its range, in seconds", () => {
    expect(cpuNote([{ cpuMs: 1_900 }, { cpuMs: 1_710 }, { cpuMs: 2_100 }]))
      .toBe("Chromium's CPU per run 1.90 s (1.71-2.10 s, all its processes)")
  })
})

describe("a page load's long tasks", () => {
  const load = (tasks: Array<{ start: number; duration: number }>) =>
    ({ tool: "hash" as const, kind: "running" as const, longTasks: tasks, domContentLoadedMs: 298.4, readyMs: 600, problems: [], stages: [] })

  it("takes the longest task of a load, 0 when none reached 50 ms", () => {
    expect(longestOf(load([{ start: 227, duration: 75 }, { start: 600, duration: 92.5 }]))).toBe(92.5)
    expect(longestOf(load([]))).toBe(0)
  })

  it("says where the longest task fell against DOMContentLoaded", () => {
    expect(describeLongest(load([{ start: 10, duration: 51 }, { start: 227.2, duration: 75.04 }])))
      .toBe("75 ms at 227-302 ms (DOMContentLoaded 298 ms)")
    expect(describeLongest(load([]))).toBe("none")
  })

  it("names the stage of the app's load whose end mark falls in a task, or the stages around it", () => {
    const stages = [{ name: "react", at: 250 }, { name: "effect", at: 270 }, { name: "app", at: 400 }]
    expect(stageOf({ start: 200, duration: 60 }, stages)).toBe("stage react")
    expect(stageOf({ start: 100, duration: 60 }, stages)).toBe("before stage react ended")
    expect(stageOf({ start: 280, duration: 60 }, stages)).toBe("between stages effect and app")
    expect(stageOf({ start: 420, duration: 60 }, stages)).toBe("after the stages")
    expect(stageOf({ start: 420, duration: 60 }, [])).toBeUndefined()
    expect(describeLongest({ ...load([{ start: 200, duration: 60 }]), stages }))
      .toBe("60 ms at 200-260 ms (stage react; DOMContentLoaded 298 ms)")
  })
})

describe("the read ceiling's ranges", () => {
  it("deals a file's ranges round-robin to the workers, the last range shorter, every byte once", () => {
    expect(rangesPerWorker(50, 2, 16)).toEqual([[[0, 16], [32, 48]], [[16, 32], [48, 50]]])
    expect(rangesPerWorker(10, 1, 16)).toEqual([[[0, 10]]])
  })

  it("leaves a worker without ranges when the file has fewer ranges than workers", () => {
    expect(rangesPerWorker(16, 3, 16)).toEqual([[[0, 16]], [], []])
  })
})
