/**
 * Runs the built `sluice` on a pseudo-terminal (python3's pty module): standard input,
 * output and error are the terminal, and /dev/tty is it too, so prompts without echo and
 * the terminal rules are tested as a person meets them. Each prompt seen is answered in turn.
 */
import { spawnSync } from "node:child_process"
import { binPath } from "./cli.testkit.js"

export interface PtyRun {
  readonly status: number
  /** Everything the terminal showed (stdout and stderr alike), CR LF as the terminal gives it. */
  readonly screen: string
  /** Prompts that were never shown (their answers were not typed). */
  readonly unanswered: number
}

const SCRIPT = String.raw`
import json, os, pty, select, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    env = dict(os.environ)
    env.update(spec["env"])
    os.execve(spec["argv"][0], spec["argv"], env)
out = b""
seen = 0
answers = spec["answers"]
deadline = time.time() + spec["timeout"]
while time.time() < deadline:
    if answers and answers[0][0].encode() in out[seen:]:
        seen = out.index(answers[0][0].encode(), seen) + len(answers[0][0])
        time.sleep(0.05)
        os.write(fd, answers.pop(0)[1].encode() + b"\r")
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.stdout.write(json.dumps({"status": code, "screen": out.decode("latin-1"), "unanswered": len(answers)}))
`

/** `sluice ...args` on a terminal; `answers`: [text of a prompt, what is typed after it], in order. */
export const onPty = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly answers?: ReadonlyArray<readonly [string, string]>; readonly env?: Record<string, string>; readonly timeoutMs?: number }
): PtyRun => commandOnPty([process.execPath, binPath, ...args], options)

/** Any program (`argv[0]` a path) on a terminal, as `onPty`. */
export const commandOnPty = (
  argv: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly answers?: ReadonlyArray<readonly [string, string]>; readonly env?: Record<string, string>; readonly timeoutMs?: number }
): PtyRun => {
  const spec = {
    argv,
    cwd: options.cwd,
    env: options.env ?? {},
    answers: options.answers ?? [],
    timeout: (options.timeoutMs ?? 20_000) / 1000
  }
  const result = spawnSync("python3", ["-c", SCRIPT, JSON.stringify(spec)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`python3 pty runner failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as PtyRun
}
