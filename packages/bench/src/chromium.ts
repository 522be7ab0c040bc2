/** Debian's Chromium, which every web scenario drives. */
export const CHROMIUM = "/usr/bin/chromium"

/** The e2e tests' flags: headless, no sandbox (a container), no GPU, and none of the browser's own network traffic. */
export const CHROMIUM_ARGS: ReadonlyArray<string> = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]
