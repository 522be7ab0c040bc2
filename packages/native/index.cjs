// The addon `npm run build` compiled (scripts/build.mjs); where it was not built, this
// throws MODULE_NOT_FOUND and the caller's fallback kernel answers.
module.exports = require("./dist/sluice_native.node")
