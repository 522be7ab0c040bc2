/**
 * Before the next paint; a hidden tab gets no frames, so there the snapshot is published
 * on a slow timer instead (completion still reaches the title and the live region).
 */
export const nextFrame = (flush: () => void): void => {
  if (document.visibilityState === "hidden") setTimeout(flush, 250)
  else requestAnimationFrame(() => flush())
}
