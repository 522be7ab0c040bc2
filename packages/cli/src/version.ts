/** The CLI's version, as `sluice --version` prints it. */
export const VERSION = "0.1.0"
