/**
 * Resolves once `busy()` has answered false at every check for `quietMs` in a row, checked
 * every `everyMs`: the service worker's first install waits for it (start.tsx), so the
 * offline copy is made while no file hashes, not beside the first job of a fresh page.
 */
export const whenQuiet = (
  busy: () => boolean,
  quietMs: number,
  everyMs = 250,
  now: () => number = () => performance.now()
): Promise<void> =>
  new Promise((resolve) => {
    let quietSince = now()
    const check = () => {
      const at = now()
      if (busy()) quietSince = at
      if (at - quietSince >= quietMs) resolve()
      else setTimeout(check, everyMs)
    }
    check()
  })
