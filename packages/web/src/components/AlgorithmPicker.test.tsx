import { cleanup, fireEvent, render, screen } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { AlgorithmPicker } from "./AlgorithmPicker.js"

afterEach(cleanup)

describe("AlgorithmPicker", () => {
  it("offers every algorithm as a labelled checkbox, the chosen ones ticked", () => {
    render(<AlgorithmPicker selected={["sha256", "blake3"]} onChange={() => {}} />)
    const boxes = screen.getAllByRole("checkbox")
    expect(boxes).toHaveLength(9)
    expect(screen.getByRole("checkbox", { name: "SHA-256" })).toHaveProperty("checked", true)
    expect(screen.getByRole("checkbox", { name: "BLAKE3" })).toHaveProperty("checked", true)
    expect(screen.getByRole("checkbox", { name: /MD5/ })).toHaveProperty("checked", false)
    expect(screen.getByRole("group", { name: "Algorithms" })).toBeDefined()
  })

  it("adds and removes algorithms, several at once", () => {
    const onChange = vi.fn()
    render(<AlgorithmPicker selected={["sha256", "blake3"]} onChange={onChange} />)
    fireEvent.click(screen.getByRole("checkbox", { name: "SHA-512" }))
    expect(onChange).toHaveBeenLastCalledWith(["sha256", "blake3", "sha512"])
    fireEvent.click(screen.getByRole("checkbox", { name: "SHA-256" }))
    expect(onChange).toHaveBeenLastCalledWith(["blake3"])
  })

  it("keeps the last algorithm and says why", () => {
    const onChange = vi.fn()
    render(<AlgorithmPicker selected={["sha1"]} onChange={onChange} />)
    fireEvent.click(screen.getByRole("checkbox", { name: /SHA-1/ }))
    expect(onChange).not.toHaveBeenCalled()
    expect(screen.getByText("Keep at least one algorithm.")).toBeDefined()
  })
})
