/**
 * Stage twelve of the page's load (main.tsx): core's age errors, a module of schema classes
 * whose construction took ~a third of the core stage's task, in a task of their own.
 */
import { AgeError } from "@sluice/core"

export const loaded = AgeError
