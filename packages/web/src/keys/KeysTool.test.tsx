import { layerInline } from "@sluice/core/browser"
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react"
import { ManagedRuntime } from "effect"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { Announcer } from "../components/Announcer.js"
import { KeysTool } from "./KeysTool.js"

// The browser's own pool without workers: keys made on this thread, by the same handlers.
const runtime = ManagedRuntime.make(layerInline)

afterEach(() => cleanup())
afterAll(() => runtime.dispose())

// On this thread, by the same handlers: the app refuses that (workersOnly), as the last test shows.
const renderTool = (workersOnly = false) => render(<Announcer><KeysTool runtime={runtime} workersOnly={workersOnly} /></Announcer>)

describe("KeysTool", () => {
  it("offers only the forms the type has", () => {
    renderTool()
    expect(screen.getByRole("checkbox", { name: "OpenSSH authorized_keys (public)" })).toBeTruthy()
    fireEvent.change(screen.getByRole("combobox", { name: "Type" }), { target: { value: "ml-kem-768" } })
    expect(screen.queryByRole("checkbox", { name: "OpenSSH authorized_keys (public)" })).toBeNull()
    expect(screen.queryByRole("checkbox", { name: "age recipient (public)" })).toBeNull()
  })

  it("asks for a passphrase when an encrypted form is ticked, and refuses to start without one", () => {
    renderTool()
    fireEvent.click(screen.getByRole("checkbox", { name: "Encrypted PKCS#8 PEM (private)" }))
    expect(screen.getByRole("alert").textContent).toBe("The encrypted forms need a passphrase.")
    expect((screen.getByRole("button", { name: "Generate" }) as HTMLButtonElement).disabled).toBe(true)
    fireEvent.change(screen.getByLabelText("Passphrase for the encrypted forms"), { target: { value: "correct horse" } })
    expect(screen.queryByRole("alert")).toBeNull()
  })

  it("refuses a count that is not a whole number", () => {
    renderTool()
    fireEvent.change(screen.getByRole("spinbutton", { name: "Count" }), { target: { value: "1.5" } })
    expect(screen.getByRole("alert").textContent).toMatch(/^The count must be a whole number from 1 to/)
  })

  it("shows one key's public forms and fingerprint, and its private key only on demand", async () => {
    renderTool()
    fireEvent.click(screen.getByRole("button", { name: "Generate" }))
    const key = await screen.findByRole("region", { name: "The key" }, { timeout: 10_000 })
    const fingerprint = within(key).getByRole("region", { name: "SSH fingerprint (SHA-256)" }).textContent
    expect(fingerprint).toMatch(/SHA256:[A-Za-z0-9+/]{43}/)
    expect(within(key).getByRole("region", { name: "OpenSSH authorized_keys (public)" }).textContent).toMatch(/ssh-ed25519 AAAA/)
    expect(within(key).queryByRole("region", { name: "PKCS#8 PEM (private)" })).toBeNull()
    fireEvent.click(within(key).getByRole("button", { name: "Show the private key" }))
    expect(within(key).getByRole("region", { name: "PKCS#8 PEM (private)" }).textContent).toMatch(/BEGIN PRIVATE KEY/)
  })

  it("writes many keys as JSON Lines, one distinct line per key, handed to the browser as one download", async () => {
    const blobs: Array<Blob> = []
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob)
      return "blob:test/1"
    })
    URL.revokeObjectURL = vi.fn()
    renderTool()
    fireEvent.change(screen.getByRole("spinbutton", { name: "Count" }), { target: { value: "5" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Generate and save" })))
    await waitFor(() => expect(screen.getAllByText(/^5 Ed25519 keys downloaded as sluice-ed25519-5-keys\.jsonl\.$/).length).toBeGreaterThan(0), { timeout: 10_000 })
    expect(blobs).toHaveLength(1)
    const lines = (await blobs[0]!.text()).trimEnd().split("\n").map((line) => JSON.parse(line))
    expect(lines.map((l) => l.index)).toEqual([1, 2, 3, 4, 5])
    expect(new Set(lines.map((l) => l["spki-pem"])).size).toBe(5)
    expect(lines[0]).toMatchObject({ type: "ed25519", sshFingerprint: expect.stringMatching(/^SHA256:/), jwkThumbprint: expect.any(String) })
  })

  it("writes many keys as a ZIP, one file per key per form, and refuses a ZIP past its bound", async () => {
    const blobs: Array<Blob> = []
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob)
      return "blob:test/2"
    })
    URL.revokeObjectURL = vi.fn()
    renderTool()
    fireEvent.change(screen.getByRole("spinbutton", { name: "Count" }), { target: { value: "20000" } })
    fireEvent.click(screen.getByRole("radio", { name: "ZIP (one file per key per form)" }))
    expect(screen.getByRole("alert").textContent).toBe("A ZIP holds up to 10,000 keys here: choose JSON Lines for more.")
    fireEvent.change(screen.getByRole("spinbutton", { name: "Count" }), { target: { value: "3" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Generate and save" })))
    await waitFor(() => expect(screen.getAllByText("3 Ed25519 keys downloaded as sluice-ed25519-3-keys.zip.").length).toBeGreaterThan(0), { timeout: 10_000 })
    const zip = new Uint8Array(await blobs[0]!.arrayBuffer())
    expect(Array.from(zip.subarray(0, 4))).toEqual([0x50, 0x4b, 0x03, 0x04])
    // The end of central directory record counts the files: 3 keys × (PKCS#8, SPKI, OpenSSH, 2 fingerprints).
    const end = new DataView(zip.buffer, zip.length - 22)
    expect(end.getUint32(0, true)).toBe(0x06054b50)
    expect(end.getUint16(10, true)).toBe(15)
  })

  it("makes no key where the pool is not made of Web Workers", async () => {
    renderTool(true)
    fireEvent.click(screen.getByRole("button", { name: "Generate" }))
    expect((await screen.findByRole("alert")).textContent).toMatch(/^Keys are made only on Web Workers/)
    expect(screen.queryByRole("region", { name: "The key" })).toBeNull()
  })
})
