/** This package's version (a test holds it to package.json): cached results of another version are not reused. */
export const CORE_VERSION = "0.1.0"
