/**
 * The Encrypt / Decrypt tool in Debian's Chromium, on the production build, against typage
 * (npm `age-encryption`, bundled from node_modules and served under the app's own origin by
 * the test, so the page makes no request elsewhere) run in the same page: Sluice encrypts
 * and typage decrypts, and the reverse, for X25519 and passphrases. The output goes either
 * to a File System Access file (the picker answered with a file of the origin's private
 * file system: a real FileSystemWritableFileStream) or, without that API, to a download
 * streamed by the service worker. A wrong passphrase, a wrong identity and a tampered file
 * each show their message and leave nothing: no file, a failed download.
 */
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { readFile, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { join } from "node:path"
import { promisify } from "node:util"
import type { Download, Page } from "playwright-core"
import { build } from "vite"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { expectClean, MiB, useAppSession, writeRandomFile } from "./testkit.js"

const run = promisify(execFile)
const session = useAppSession({ load: false })
afterEach(() => expectClean(session.app))

/** typage as one ES module, built from node_modules for the page. */
const bundleTypage = async (): Promise<string> => {
  const entry = createRequire(import.meta.url).resolve("age-encryption")
  const out = await build({
    configFile: false,
    logLevel: "silent",
    build: { write: false, minify: false, lib: { entry, formats: ["es"], fileName: "typage" } }
  })
  const outputs = (Array.isArray(out) ? out : [out]) as Array<{ output: Array<{ type: string; code?: string }> }>
  const code = outputs[0]!.output.find((o) => o.type === "chunk")?.code
  if (code === undefined) throw new Error("typage did not bundle")
  return code
}

/**
 * `?e2e-sink=opfs`: the pickers answer with the origin private file system (its root, or a
 * file there); `?e2e-sink=download`: the page has no File System Access (Firefox, Safari).
 */
const SINKS = `
const sink = new URLSearchParams(location.search).get("e2e-sink")
if (sink === "download") {
  Object.defineProperty(globalThis, "showSaveFilePicker", { value: undefined, configurable: true })
  Object.defineProperty(globalThis, "showDirectoryPicker", { value: undefined, configurable: true })
} else if (sink === "opfs") {
  Object.defineProperty(globalThis, "showSaveFilePicker", {
    configurable: true,
    value: async ({ suggestedName }) => (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true })
  })
  Object.defineProperty(globalThis, "showDirectoryPicker", { configurable: true, value: async () => navigator.storage.getDirectory() })
}
`

const TYPAGE_URL = "/__e2e/typage.js"

beforeAll(async () => {
  const code = await bundleTypage()
  await session.app.context.route(`${session.app.origin}${TYPAGE_URL}`, (route) =>
    route.fulfill({ status: 200, contentType: "text/javascript", body: code }))
  await session.app.context.addInitScript(SINKS)
}, 120_000)

type Sink = "opfs" | "download"

const openTool = async (page: Page, sink: Sink) => {
  await page.goto("about:blank")
  await page.goto(`${session.app.origin}/?e2e-sink=${sink}#/encrypt`, { waitUntil: "load" })
  await page.getByRole("heading", { name: "Encrypt files" }).waitFor()
  // The streamed download needs the page controlled by the service worker (it claims the first page).
  if (sink === "download") await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 })
  // A string, not a function: the test runner would rewrite an import() in a function's source.
  await page.evaluate(`import(${JSON.stringify(TYPAGE_URL)}).then((m) => { globalThis.__typage = m })`)
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** A file on disk handed to the page as a `File` in `globalThis.__e2eFile`. */
const fileInPage = async (page: Page, path: string) => {
  await page.evaluate(() => {
    document.getElementById("e2e-input")?.remove()
    const input = document.createElement("input")
    input.type = "file"
    input.id = "e2e-input"
    input.hidden = true
    document.body.append(input)
  })
  await page.setInputFiles("#e2e-input", path)
  await page.evaluate(() => {
    const g = globalThis as { __e2eFile?: File }
    g.__e2eFile = (document.getElementById("e2e-input") as HTMLInputElement).files![0]!
  })
}

/** Hands the page's `globalThis.__e2eOut` bytes to the tool's file picker as `name`. */
const pickPageBytes = (page: Page, name: string) =>
  page.evaluate((fileName) => {
    const bytes = (globalThis as unknown as { __e2eOut: Uint8Array<ArrayBuffer> }).__e2eOut
    const transfer = new DataTransfer()
    transfer.items.add(new File([bytes], fileName))
    const input = document.querySelector('[data-testid="age-pick-files"]') as HTMLInputElement
    input.files = transfer.files
    input.dispatchEvent(new Event("change", { bubbles: true }))
  }, name)

const rowOf = (page: Page, name: string) => page.getByRole("list").getByRole("listitem", { name, exact: true })

const waitForRow = async (page: Page, name: string, status: "Done" | "Failed", timeout = 60_000) => {
  await rowOf(page, name).locator(".status").getByText(status, { exact: true }).waitFor({ timeout })
}

/** The bytes of a file of the origin private file system, or undefined when there is none. */
const opfsFile = (page: Page, name: string): Promise<Array<number> | undefined> =>
  page.evaluate(async (fileName) => {
    try {
      const handle = await (await navigator.storage.getDirectory()).getFileHandle(fileName)
      const file = await handle.getFile()
      return [file.size]
    } catch {
      return undefined
    }
  }, name)

/** typage decrypts the OPFS file `name` (or `__e2eFile`) with an identity or a passphrase: the SHA-256 of what it gives. */
const typageDecrypt = (page: Page, from: { readonly opfs: string } | "picked", key: { readonly identity: string } | { readonly passphrase: string }) =>
  page.evaluate(async ({ from, key }) => {
    const typage = (globalThis as { __typage?: any }).__typage
    const file: File = from === "picked"
      ? (globalThis as { __e2eFile?: File }).__e2eFile!
      : await (await (await navigator.storage.getDirectory()).getFileHandle(from.opfs)).getFile()
    const decrypter = new typage.Decrypter()
    if ("identity" in key) decrypter.addIdentity(key.identity)
    else decrypter.addPassphrase(key.passphrase)
    let bytes = new Uint8Array(await file.arrayBuffer())
    if (typage.armor !== undefined && new TextDecoder().decode(bytes.subarray(0, 10)) === "-----BEGIN") bytes = typage.armor.decode(new TextDecoder().decode(bytes))
    const plain: Uint8Array<ArrayBuffer> = await decrypter.decrypt(bytes)
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", plain))
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
  }, { from, key })

/** typage encrypts the picked file (`__e2eFile`) into `__e2eOut`, and flips byte `flip` when asked. */
const typageEncrypt = (page: Page, key: { readonly recipient: string } | { readonly passphrase: string }, flip?: number) =>
  page.evaluate(async ({ key, flip }) => {
    const typage = (globalThis as { __typage?: any }).__typage
    const encrypter = new typage.Encrypter()
    if ("recipient" in key) encrypter.addRecipient(key.recipient)
    else encrypter.setPassphrase(key.passphrase)
    const plain = new Uint8Array(await (globalThis as { __e2eFile?: File }).__e2eFile!.arrayBuffer())
    const out: Uint8Array = await encrypter.encrypt(plain)
    if (flip !== undefined) out[flip]! ^= 0x01
    ;(globalThis as { __e2eOut?: Uint8Array }).__e2eOut = out
    return out.length
  }, { key, flip })

/** A fresh X25519 identity made by typage, and its recipient. */
const typageIdentity = (page: Page) =>
  page.evaluate(async () => {
    const typage = (globalThis as { __typage?: any }).__typage
    const identity: string = await typage.generateIdentity()
    return { identity, recipient: await typage.identityToRecipient(identity) as string }
  })

/** Whether the page started the tool's job thread (the job ran off the page's main thread). */
const usedJobThread = (page: Page) => page.workers().some((worker) => worker.url().includes("ageJobWorker"))

const pickFile = (page: Page, path: string) => page.getByTestId("age-pick-files").setInputFiles(path)
const mode = (page: Page, which: "Encrypt" | "Decrypt") => page.getByRole("radio", { name: which, exact: true }).check()
const submit = (page: Page, which: "Encrypt" | "Decrypt") => page.getByRole("button", { name: which, exact: true }).click()

/** The plaintext: several 1 MiB pieces and a short last chunk. */
const SIZE = 3 * MiB + 12_345

describe("Sluice encrypts, typage decrypts", () => {
  it("X25519, to a File System Access file", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "x25519.bin"), SIZE)
    const expected = sha256(await readFile(path))
    await openTool(page, "opfs")
    const { identity, recipient } = await typageIdentity(page)
    await pickFile(page, path)
    await page.getByLabel(/^Recipients, one a line/).fill(`# typage's key\n${recipient}\n`)
    await submit(page, "Encrypt")
    await waitForRow(page, "x25519.bin", "Done")
    expect(usedJobThread(page)).toBe(true)
    expect(await typageDecrypt(page, { opfs: "x25519.bin.age" }, { identity })).toBe(expected)
  })

  it("a passphrase, armored, as a download streamed by the service worker", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "pass.bin"), SIZE)
    const expected = sha256(await readFile(path))
    await openTool(page, "download")
    await pickFile(page, path)
    await page.getByRole("radio", { name: "A passphrase" }).check()
    await page.getByLabel("Passphrase", { exact: true }).fill("correct horse battery staple")
    await page.getByLabel("Passphrase again").fill("correct horse battery staple")
    await page.getByLabel(/^ASCII armor/).check()
    const download = page.waitForEvent("download", { timeout: 30_000 })
    await submit(page, "Encrypt")
    const file = await download
    expect(file.suggestedFilename()).toBe("pass.bin.age.asc")
    await waitForRow(page, "pass.bin", "Done", 120_000)
    expect(usedJobThread(page)).toBe(true)
    const saved = join(session.files, "pass.bin.age.asc")
    await file.saveAs(saved)
    expect((await readFile(saved, "utf8")).startsWith("-----BEGIN AGE ENCRYPTED FILE-----")).toBe(true)
    // The passphrase left the form when the run began.
    expect(await page.getByLabel("Passphrase", { exact: true }).inputValue()).toBe("")
    await fileInPage(page, saved)
    expect(await typageDecrypt(page, "picked", { passphrase: "correct horse battery staple" })).toBe(expected)
  })
})

describe("typage encrypts, Sluice decrypts", () => {
  it("X25519, to a File System Access file", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "back.bin"), SIZE)
    const expected = await readFile(path)
    await openTool(page, "opfs")
    const { identity, recipient } = await typageIdentity(page)
    await fileInPage(page, path)
    await typageEncrypt(page, { recipient })
    await mode(page, "Decrypt")
    await pickPageBytes(page, "back.bin.age")
    await page.getByLabel(/^Identities, one a line/).fill(identity)
    await submit(page, "Decrypt")
    await waitForRow(page, "back.bin.age", "Done")
    expect(await opfsFile(page, "back.bin")).toEqual([expected.length])
    expect(await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle("back.bin")).getFile()
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()))
      return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
    })).toBe(sha256(expected))
    // The identity left the form when the run began.
    expect(await page.getByLabel(/^Identities, one a line/).inputValue()).toBe("")
  })

  it("a passphrase, as a download streamed by the service worker", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "back-pass.bin"), SIZE)
    const expected = sha256(await readFile(path))
    await openTool(page, "download")
    await fileInPage(page, path)
    await typageEncrypt(page, { passphrase: "typage and sluice agree" })
    await mode(page, "Decrypt")
    await pickPageBytes(page, "back-pass.bin.age")
    await page.getByLabel(/^Passphrase \(for a passphrase-encrypted file\)/).fill("typage and sluice agree")
    const download = page.waitForEvent("download", { timeout: 30_000 })
    await submit(page, "Decrypt")
    const file = await download
    expect(file.suggestedFilename()).toBe("back-pass.bin")
    await waitForRow(page, "back-pass.bin.age", "Done", 120_000)
    const saved = join(session.files, "back-pass.out")
    await file.saveAs(saved)
    expect(sha256(await readFile(saved))).toBe(expected)
  })
})

describe("ssh-rsa keys (RSA-OAEP in WebCrypto) with the age binary", () => {
  it("Sluice encrypts to an ssh-rsa public key and `age -d -i` opens it; `age -R` encrypts and Sluice opens it with the private key", async () => {
    const { page } = session.app
    const key = join(session.files, "id_rsa")
    await run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key])
    const path = await writeRandomFile(join(session.files, "rsa.bin"), 200_000)
    const expected = sha256(await readFile(path))
    await openTool(page, "opfs")
    await pickFile(page, path)
    await page.getByLabel(/^Recipients, one a line/).fill(await readFile(`${key}.pub`, "utf8"))
    await submit(page, "Encrypt")
    await waitForRow(page, "rsa.bin", "Done")
    const sealed = await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle("rsa.bin.age")).getFile()
      return Array.from(new Uint8Array(await file.arrayBuffer()))
    })
    const sealedPath = join(session.files, "rsa.bin.age")
    await writeFile(sealedPath, Uint8Array.from(sealed))
    const opened = join(session.files, "rsa.opened")
    await run("age", ["-d", "-i", key, "-o", opened, sealedPath])
    expect(sha256(await readFile(opened))).toBe(expected)

    const byAge = join(session.files, "rsa-by-age.bin.age")
    await run("age", ["-R", `${key}.pub`, "-o", byAge, path])
    await mode(page, "Decrypt")
    await pickFile(page, byAge)
    await page.getByLabel(/^Identities, one a line/).fill(await readFile(key, "utf8"))
    await submit(page, "Decrypt")
    await waitForRow(page, "rsa-by-age.bin.age", "Done")
    expect(await page.evaluate(async () => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle("rsa-by-age.bin")).getFile()
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()))
      return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
    })).toBe(expected)
  })
})

describe("failures show their message and leave nothing", () => {
  /** A failed download: the browser was told the stream failed, and kept no file. */
  const expectFailedDownload = async (download: Download) => {
    expect(await download.failure()).not.toBeNull()
    expect(await download.path().catch(() => null)).toBeNull()
  }

  it("a wrong passphrase: no file at the destination", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "wrong-pass.bin"), 100_000)
    await openTool(page, "opfs")
    await fileInPage(page, path)
    await typageEncrypt(page, { passphrase: "the right one" })
    await mode(page, "Decrypt")
    await pickPageBytes(page, "wrong-pass.bin.age")
    await page.getByLabel(/^Passphrase \(for a passphrase-encrypted file\)/).fill("the wrong one")
    await submit(page, "Decrypt")
    await waitForRow(page, "wrong-pass.bin.age", "Failed", 120_000)
    await expect.poll(() => rowOf(page, "wrong-pass.bin.age").getByRole("alert").textContent()).toMatch(/^Wrong passphrase: .* Nothing was saved\.$/)
    expect(await opfsFile(page, "wrong-pass.bin")).toBeUndefined()
  })

  it("a wrong identity: no file at the destination", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "wrong-id.bin"), 100_000)
    await openTool(page, "opfs")
    const { recipient } = await typageIdentity(page)
    const other = await typageIdentity(page)
    await fileInPage(page, path)
    await typageEncrypt(page, { recipient })
    await mode(page, "Decrypt")
    await pickPageBytes(page, "wrong-id.bin.age")
    await page.getByLabel(/^Identities, one a line/).fill(other.identity)
    await submit(page, "Decrypt")
    await waitForRow(page, "wrong-id.bin.age", "Failed")
    await expect.poll(() => rowOf(page, "wrong-id.bin.age").getByRole("alert").textContent()).toMatch(/^No matching identity: .* Nothing was saved\.$/)
    expect(await opfsFile(page, "wrong-id.bin")).toBeUndefined()
  })

  it("a tampered file (a byte flipped in a middle chunk): the streamed download fails", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "tampered.bin"), SIZE)
    await openTool(page, "download")
    const { identity, recipient } = await typageIdentity(page)
    await fileInPage(page, path)
    const length = await typageEncrypt(page, { recipient }, Math.floor((3 * MiB) / 2))
    expect(length).toBeGreaterThan(SIZE)
    await mode(page, "Decrypt")
    await pickPageBytes(page, "tampered.bin.age")
    await page.getByLabel(/^Identities, one a line/).fill(identity)
    const download = page.waitForEvent("download", { timeout: 30_000 })
    await submit(page, "Decrypt")
    const file = await download
    await waitForRow(page, "tampered.bin.age", "Failed")
    await expect.poll(() => rowOf(page, "tampered.bin.age").getByRole("alert").textContent())
      .toMatch(/^The file was tampered with or is damaged: chunk \d+ of the payload failed to authenticate.* Nothing was saved\.$/)
    await expectFailedDownload(file)
  })

  it("a tampered file to a File System Access file: nothing at the destination", async () => {
    const { page } = session.app
    const path = await writeRandomFile(join(session.files, "tampered2.bin"), SIZE)
    await openTool(page, "opfs")
    const { identity, recipient } = await typageIdentity(page)
    await fileInPage(page, path)
    const length = await typageEncrypt(page, { recipient })
    await page.evaluate((at) => {
      const out = (globalThis as unknown as { __e2eOut: Uint8Array }).__e2eOut
      out[at]! ^= 0x80
    }, length - 5)
    await mode(page, "Decrypt")
    await pickPageBytes(page, "tampered2.bin.age")
    await page.getByLabel(/^Identities, one a line/).fill(identity)
    await submit(page, "Decrypt")
    await waitForRow(page, "tampered2.bin.age", "Failed")
    await expect.poll(() => rowOf(page, "tampered2.bin.age").getByRole("alert").textContent()).toMatch(/tampered with or is damaged/)
    expect(await opfsFile(page, "tampered2.bin")).toBeUndefined()
  })
})

it("keeps no identity or passphrase in the page's storage after the runs above", async () => {
  const { page } = session.app
  await openTool(page, "opfs")
  const stored = await page.evaluate(async () => ({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await Promise.all((await caches.keys()).map(async (key) => (await (await caches.open(key)).keys()).map((r) => r.url)))
  }))
  const text = JSON.stringify(stored)
  for (const secret of ["AGE-SECRET-KEY", "correct horse", "typage and sluice", "the right one", "the wrong one", "__sluice-download"]) {
    expect(text).not.toContain(secret)
  }
})
