import { describeWycheproofAead } from "./aead.testkit.js"
import { nobleAead } from "./nobleAead.js"

describeWycheproofAead(nobleAead)
