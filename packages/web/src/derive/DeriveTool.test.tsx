import { layerInline } from "@sluice/core/browser"
import { cleanup, fireEvent, render, screen } from "@testing-library/react"
import { ManagedRuntime } from "effect"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { Announcer } from "../components/Announcer.js"
import { DeriveTool } from "./DeriveTool.js"

// The browser's pool without workers: the Derive tool must refuse to run on it.
const runtime = ManagedRuntime.make(layerInline)

afterEach(() => cleanup())
afterAll(() => runtime.dispose())

const renderTool = () => render(<Announcer><DeriveTool runtime={runtime} /></Announcer>)
const deriveButton = () => screen.getByRole("button", { name: "Derive" }) as HTMLButtonElement

describe("DeriveTool", () => {
  it("shows why absurd parameters are refused, with the Derive button off, before any work", () => {
    renderTool()
    fireEvent.change(screen.getByRole("textbox", { name: "Salt" }), { target: { value: "00112233445566778899aabbccddeeff" } })
    expect(deriveButton().disabled).toBe(false)
    fireEvent.change(screen.getByRole("textbox", { name: "Passes" }), { target: { value: "100000" } })
    expect(screen.getByRole("alert").textContent).toBe("Argon2id: passes must be a whole number from 1 to 256 (got 100000).")
    expect(deriveButton().disabled).toBe(true)
  })

  it("rates the password as it is typed, and keeps it in a password field", () => {
    renderTool()
    const password = screen.getByLabelText("Password") as HTMLInputElement
    expect(password.type).toBe("password")
    fireEvent.change(password, { target: { value: "12345678" } })
    expect(screen.getByText(/^Strength: very weak/)).toBeTruthy()
    fireEvent.change(password, { target: { value: "T7#qL!w9@Zr2$vX8" } })
    expect(screen.getByText(/^Strength: very strong/)).toBeTruthy()
  })

  it("offers the PHC string only where the algorithm has one", () => {
    renderTool()
    const output = screen.getByRole("combobox", { name: "Output" })
    expect(Array.from(output.querySelectorAll("option"), (o) => o.textContent)).toContain("PHC string")
    fireEvent.change(screen.getByRole("combobox", { name: "Algorithm" }), { target: { value: "pbkdf2-sha256" } })
    expect(Array.from(output.querySelectorAll("option"), (o) => o.textContent)).not.toContain("PHC string")
  })

  it("never derives on the main thread: a page without workers is told so", async () => {
    renderTool()
    fireEvent.change(screen.getByRole("combobox", { name: "Algorithm" }), { target: { value: "pbkdf2-sha256" } })
    fireEvent.change(screen.getByRole("textbox", { name: "Salt" }), { target: { value: "00112233445566778899aabbccddeeff" } })
    fireEvent.change(screen.getByRole("textbox", { name: "Iterations" }), { target: { value: "1" } })
    fireEvent.click(deriveButton())
    expect((await screen.findByRole("alert")).textContent).toMatch(/^Derivations run only on Web Workers/)
    expect(screen.queryByTestId("derived-key")).toBeNull()
  })
})
