import { AgeBadPassphrase, AgeError, layerInline, NoIdentityMatch, Tampered } from "@sluice/core/browser"
import { generateIdentity, identityToRecipient } from "age-encryption"
import { cleanup, fireEvent, render, screen } from "@testing-library/react"
import { ManagedRuntime } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { Announcer } from "../components/Announcer.js"
import { failureMessage } from "./ageJob.js"
import { AgeTool, identitiesOf, outputName, recipientsOf, threadJobOf } from "./AgeTool.js"

const runtime = ManagedRuntime.make(layerInline)
afterEach(() => cleanup())
afterAll(() => runtime.dispose())

// A pair made by typage (age-encryption), the peer the e2e tests check against.
const IDENTITY = await generateIdentity()
const RECIPIENT = await identityToRecipient(IDENTITY)

describe("outputName", () => {
  it("adds .age (or .age.asc armored) to encrypt, and takes it off to decrypt", () => {
    expect(outputName("encrypt", "a.tar", false)).toBe("a.tar.age")
    expect(outputName("encrypt", "a.tar", true)).toBe("a.tar.age.asc")
    expect(outputName("decrypt", "a.tar.age", false)).toBe("a.tar")
    expect(outputName("decrypt", "a.tar.age.asc", false)).toBe("a.tar")
    expect(outputName("decrypt", "a.bin", false)).toBe("a.bin.decrypted")
    expect(outputName("decrypt", ".age", false)).toBe(".age.decrypted")
  })
})

describe("recipientsOf and identitiesOf", () => {
  it("read recipients one a line with comments, and name the line of a bad one, never its text", () => {
    const parsed = recipientsOf(`# team\n${RECIPIENT}\n`)
    expect(Array.isArray(parsed) && parsed.length).toBe(1)
    const bad = recipientsOf(`${RECIPIENT}\nage1-not-a-key-secretish\n`)
    expect(bad).toMatch(/^Recipients, line 2: /)
    expect(bad).not.toContain("secretish")
    expect(recipientsOf("  ")).toBe("Give at least one recipient, or choose a passphrase.")
  })

  it("refuse post-quantum and classic recipients mixed, as age", () => {
    const pq = "age1pq1" + "q".repeat(10)
    expect(typeof recipientsOf(`${RECIPIENT}\n${pq}`)).toBe("string")
  })

  it("read identities, and never repeat a bad one's text", () => {
    const parsed = identitiesOf(IDENTITY)
    expect(Array.isArray(parsed) && parsed.length).toBe(1)
    const bad = identitiesOf("AGE-SECRET-KEY-1NOTAKEYATALL")
    expect(bad).toMatch(/^Identities, line 1: /)
    expect(bad).not.toContain("NOTAKEY")
  })
})

describe("threadJobOf", () => {
  const file = new File([new Uint8Array(1)], "a.bin")
  it("hands the job thread the keys as text (it parses them there), or the passphrase", () => {
    expect(threadJobOf({ mode: "encrypt", file, recipients: [], recipientsText: RECIPIENT, armor: true }))
      .toEqual({ mode: "encrypt", file, recipientsText: RECIPIENT, armor: true })
    const passphrase = new Uint8Array([1, 2])
    expect(threadJobOf({ mode: "encrypt", file, passphrase, armor: false })).toEqual({ mode: "encrypt", file, passphrase, armor: false })
    expect(threadJobOf({ mode: "decrypt", file, identities: [], identitiesText: IDENTITY })).toEqual({ mode: "decrypt", file, identitiesText: IDENTITY })
    expect(threadJobOf({ mode: "decrypt", file, identities: [], passphrase })).toEqual({ mode: "decrypt", file, passphrase })
  })

  it("keeps on the page a job whose parsed keys have no text to send", () => {
    const parsed = identitiesOf(IDENTITY)
    if (typeof parsed === "string") throw new Error(parsed)
    expect(threadJobOf({ mode: "decrypt", file, identities: parsed })).toBeUndefined()
    expect(threadJobOf({ mode: "encrypt", file, recipients: [], armor: false })).toBeUndefined()
  })
})

describe("failureMessage", () => {
  it("names a wrong passphrase, no matching identity and a tampered file, and says nothing was saved", () => {
    expect(failureMessage(new AgeError({ reason: new AgeBadPassphrase({}) }), "decrypt").message).toMatch(/^Wrong passphrase: .*Nothing was saved\.$/)
    expect(failureMessage(new AgeError({ reason: new NoIdentityMatch({}) }), "decrypt").message).toMatch(/^No matching identity: .*Nothing was saved\.$/)
    expect(failureMessage(new AgeError({ reason: new Tampered({ chunk: 3 }) }), "decrypt").message)
      .toMatch(/^The file was tampered with or is damaged: chunk 3 of the payload .*Nothing was saved\.$/)
  })
})

describe("AgeTool", () => {
  const renderTool = () => render(<Announcer><AgeTool runtime={runtime} /></Announcer>)
  const pick = () =>
    fireEvent.change(screen.getByTestId("age-pick-files"), { target: { files: [new File([new Uint8Array(10)], "a.bin")] } })

  it("refuses differing passphrases before asking where to save", () => {
    renderTool()
    pick()
    fireEvent.click(screen.getByRole("radio", { name: "A passphrase" }))
    fireEvent.change(screen.getByLabelText("Passphrase"), { target: { value: "one thing" } })
    fireEvent.change(screen.getByLabelText("Passphrase again"), { target: { value: "another" } })
    fireEvent.click(screen.getByRole("button", { name: "Encrypt" }))
    expect(screen.getByRole("alert").textContent).toBe("The passphrases differ: type the same one twice.")
  })

  it("rates a typed passphrase, and a generated one is ten words shown once with no confirmation field", async () => {
    renderTool()
    fireEvent.click(screen.getByRole("radio", { name: "A passphrase" }))
    fireEvent.change(screen.getByLabelText("Passphrase"), { target: { value: "12345678" } })
    expect(screen.getByText(/^Strength: very weak/)).toBeTruthy()
    fireEvent.click(screen.getByRole("button", { name: "Generate a passphrase" }))
    const shown = await screen.findByTestId("age-generated")
    expect(shown.textContent!.split("-")).toHaveLength(10)
    expect(screen.queryByLabelText("Passphrase again")).toBeNull()
    expect((screen.getByLabelText("Passphrase") as HTMLInputElement).type).toBe("password")
  })

  it("asks for an identity or a passphrase to decrypt, and forgets what was typed when the mode changes", () => {
    renderTool()
    fireEvent.click(screen.getByRole("radio", { name: "Decrypt" }))
    pick()
    fireEvent.click(screen.getByRole("button", { name: "Decrypt" }))
    expect(screen.getByRole("alert").textContent).toMatch(/^Give an identity/)
    fireEvent.change(screen.getByLabelText(/^Identities, one a line/), { target: { value: IDENTITY } })
    fireEvent.click(screen.getByRole("radio", { name: "Encrypt" }))
    fireEvent.click(screen.getByRole("radio", { name: "Decrypt" }))
    expect((screen.getByLabelText(/^Identities, one a line/) as HTMLTextAreaElement).value).toBe("")
  })
})
