/**
 * The command line as a lean program reads it (hashMain.ts, checkMain.ts): the command's
 * boolean flags, options that take a value (`-a X`, `--algorithm X`, `--algorithm=X`; the
 * last one given counts, as commander keeps it) and operands. Undefined where an argument
 * is anything else, an option lacks its value, or a name was not valid UTF-8 (Node gives
 * U+FFFD): the full program's, with its usage errors.
 */
export interface ScannedArgs<F extends string, V extends string> {
  readonly flags: Readonly<Record<F, boolean>>
  readonly values: Readonly<Partial<Record<V, string>>>
  readonly operands: ReadonlyArray<string>
}

export const scanArgs = <F extends string, V extends string>(
  argv: ReadonlyArray<string>,
  command: string,
  flagNames: Readonly<Record<string, F>>,
  valueNames: Readonly<Record<string, V>>
): ScannedArgs<F, V> | undefined => {
  if (argv[0] !== command) return undefined
  const flags = Object.fromEntries(Object.values(flagNames).map((name) => [name, false])) as Record<F, boolean>
  const values: Partial<Record<V, string>> = {}
  const operands: Array<string> = []
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1
    if (Object.hasOwn(flagNames, arg)) flags[flagNames[arg]!] = true
    else if (Object.hasOwn(valueNames, arg)) {
      const value = argv[++i]
      if (value === undefined) return undefined
      values[valueNames[arg]!] = value
    } else if (equals > 0 && Object.hasOwn(valueNames, arg.slice(0, equals))) values[valueNames[arg.slice(0, equals)]!] = arg.slice(equals + 1)
    else if (arg.startsWith("-") || arg.includes("\uFFFD")) return undefined
    else operands.push(arg)
  }
  return { flags, values, operands }
}
