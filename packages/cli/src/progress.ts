import { formatBytes, type JobProgress } from "@sluice/core"

const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

/** One line of progress: a bar when the total is known, bytes, rate and ETA. */
export const renderProgress = (p: JobProgress, width: number): string => {
  const rate = `${formatBytes(p.bytesPerSecond)}/s`
  const files = p.files > 1 ? ` ${p.filesDone}/${p.files} files` : ""
  if (p.total === undefined || p.total === 0) return `${formatBytes(p.bytes)} ${rate}${files}`
  const fraction = Math.min(1, p.bytes / p.total)
  const eta = p.bytesPerSecond > 0 ? ` ETA ${formatDuration((p.total - p.bytes) / p.bytesPerSecond)}` : ""
  const text = ` ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(p.bytes)}/${formatBytes(p.total)} ${rate}${eta}${files}`
  const barWidth = Math.max(10, Math.min(40, width - text.length - 2))
  const filled = Math.round(fraction * barWidth)
  return `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${text}`
}

/** One line of progress of a job counted in keys (`bytes` counts keys): a bar, keys/s and time left. */
export const renderKeyProgress = (p: JobProgress, width: number): string => {
  const rate = `${p.bytesPerSecond >= 100 ? p.bytesPerSecond.toFixed(0) : p.bytesPerSecond.toFixed(1)} keys/s`
  const total = p.total ?? 0
  if (total === 0) return `${p.bytes} keys ${rate}`
  const fraction = Math.min(1, p.bytes / total)
  const eta = p.bytesPerSecond > 0 ? ` ETA ${formatDuration((total - p.bytes) / p.bytesPerSecond)}` : ""
  const text = ` ${(fraction * 100).toFixed(0).padStart(3)}% ${p.bytes}/${total} keys ${rate}${eta}`
  const barWidth = Math.max(10, Math.min(40, width - text.length - 2))
  const filled = Math.round(fraction * barWidth)
  return `[${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${text}`
}

/**
 * A progress line on stderr, only when stderr is a terminal and the job has run for a
 * moment (short jobs stay silent), redrawn at most ten times a second.
 */
export const makeProgressReporter = (
  stream: NodeJS.WriteStream = process.stderr,
  delayMs = 400,
  render: (p: JobProgress, width: number) => string = renderProgress
) => {
  const enabled = stream.isTTY === true
  const started = Date.now()
  let lastDraw = 0
  let shown = false
  return {
    update(p: JobProgress) {
      if (!enabled) return
      const now = Date.now()
      if (now - started < delayMs || now - lastDraw < 100) return
      lastDraw = now
      shown = true
      stream.write(`\r\x1b[2K${render(p, stream.columns ?? 80)}`)
    },
    clear() {
      if (shown) stream.write("\r\x1b[2K")
      shown = false
    }
  }
}
