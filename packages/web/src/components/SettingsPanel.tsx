import type { CacheStats, LevelStats } from "@sluice/core"
import { useCallback, useEffect, useId, useRef, useState, useSyncExternalStore } from "react"
import type { CachePreference } from "../cache/cachePreference.js"
import { formatBytes, formatCount } from "../format.js"
import type { CacheControl } from "../runtime.js"
import { useAnnounce } from "./Announcer.js"

const LEVEL_LABEL: Readonly<Record<string, string>> = {
  memory: "Memory (this visit)",
  indexedDB: "IndexedDB (this device)"
}

const levelLabel = (level: LevelStats): string => LEVEL_LABEL[level.name] ?? level.name

/** "IndexedDB (this device): degraded: <reason>" for each level that dropped out, with what it means. */
export const degradedLines = (stats: CacheStats): ReadonlyArray<string> =>
  stats.levels.flatMap((level) =>
    level.degraded === undefined ? [] : [`${levelLabel(level)}: degraded: ${level.degraded}`]
  )

const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`

export interface SettingsPanelProps {
  readonly cache: CacheControl
  readonly preference: CachePreference
  /** True while files are hashing: the figures stay still meanwhile. */
  readonly busy: boolean
  /**
   * Files finished so far (done, failed or cancelled): the figures are read again when it
   * changes and nothing is hashing. A file the cache answers is done before `busy` is ever
   * seen true.
   */
  readonly finished: number
}

/**
 * The result cache: whether jobs use it, what each level holds and answered, why a level
 * dropped out (IndexedDB refused, over quota), and clearing or pruning it. What it keeps
 * is digests and sizes under opaque keys, never a file's content or name.
 */
export const SettingsPanel = ({ busy, cache, finished, preference }: SettingsPanelProps) => {
  const id = useId()
  const announce = useAnnounce()
  const useCache = useSyncExternalStore(preference.subscribe, preference.get)
  const [stats, setStats] = useState<CacheStats | undefined>(undefined)
  const [working, setWorking] = useState(false)
  const live = useRef(true)

  const refresh = useCallback(async () => {
    const next = await cache.stats().catch(() => undefined)
    if (live.current && next !== undefined) setStats(next)
  }, [cache])

  useEffect(() => {
    live.current = true
    return () => {
      live.current = false
    }
  }, [])

  // On opening, and after each job.
  useEffect(() => {
    if (!busy) void refresh()
  }, [busy, finished, refresh])

  const act = (action: () => Promise<string>) => {
    setWorking(true)
    void action()
      .then(announce, (error: unknown) => announce(`The cache could not do that: ${error instanceof Error ? error.message : String(error)}`))
      .then(refresh)
      .finally(() => {
        if (live.current) setWorking(false)
      })
  }

  const degraded = stats === undefined ? [] : degradedLines(stats)
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Settings</h2>
      <label className="check">
        <input type="checkbox" checked={useCache} onChange={(event) => preference.set(event.currentTarget.checked)} />
        Use the cache
      </label>
      <p className="hint">
        A file that has not changed since it was hashed here gets its digests from a cache on this device instead of
        being read again. The cache holds digests and sizes, never a file's contents or name.
        {useCache ? "" : " Off: every file is read and hashed, and nothing is stored."}
      </p>
      {stats !== undefined ? (
        <table className="cache-stats">
          <caption className="visually-hidden">The result cache, level by level</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Entries</th>
              <th scope="col">Size</th>
              <th scope="col">Hits</th>
              <th scope="col">Misses</th>
            </tr>
          </thead>
          <tbody>
            {stats.levels.map((level) => (
              <tr key={level.name} data-level={level.name}>
                <th scope="row">{levelLabel(level)}</th>
                <td>{formatCount(level.entries)}</td>
                <td>{formatBytes(level.bytes)}</td>
                <td>{formatCount(level.hits)}</td>
                <td>{formatCount(level.misses)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {degraded.map((line) => (
        <p key={line} className="hint cache-degraded">
          {line}
        </p>
      ))}
      {degraded.length > 0 ? (
        <p className="hint">The cache goes on without it: results are kept in memory until this page closes.</p>
      ) : null}
      <div className="settings-actions">
        <button
          type="button"
          className="button"
          disabled={working}
          onClick={() => act(() => cache.clear().then(() => "The cache is empty."))}
        >
          Clear cache
        </button>
        <button
          type="button"
          className="button quiet"
          disabled={working}
          onClick={() => act(() => cache.prune().then((n) => `Pruned ${plural(n, "entry", "entries")}.`))}
        >
          Prune
        </button>
      </div>
    </section>
  )
}
