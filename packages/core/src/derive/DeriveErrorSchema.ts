import { Schema, SchemaTransformation } from "effect"
import {
  DERIVE_INPUTS,
  DeriveError,
  type DeriveErrorReason,
  InputTooLarge,
  KdfFailed,
  MemoryOverCeiling,
  ParameterOutOfRange,
  RANGED_PARAMETERS,
  SaltTooShort,
  UnknownKdf
} from "./DeriveError.js"
import { KdfAlgorithm } from "./DeriveParams.js"

/**
 * The schemas of derive's errors, for an error that crosses from a worker (DeriveRpcs): each
 * reason is posted as `{ _tag, ...fields }` and decoded back into its class (DeriveError.ts),
 * so a caller gets the same classes, with their messages, wherever the derivation ran.
 */
const classSchema = <T extends { readonly _tag: string }>(
  Class: abstract new (args: never) => T,
  tag: T["_tag"],
  fields: Schema.Struct.Fields
): Schema.Codec<T, unknown> => {
  const keys = Object.keys(fields)
  return Schema.Struct({ _tag: Schema.Literal(tag), ...fields }).pipe(
    Schema.decodeTo(
      Schema.instanceOf(Class as unknown as abstract new (args: never) => T) as unknown as Schema.declare<T>,
      SchemaTransformation.transform({
        decode: ({ _tag, ...args }: { readonly _tag: string }) => new (Class as unknown as new (args: never) => T)(args as never),
        encode: (value: T) => {
          const encoded: Record<string, unknown> = { _tag: value._tag }
          for (const key of keys) {
            const field = (value as unknown as Record<string, unknown>)[key]
            if (field !== undefined) encoded[key] = field
          }
          return encoded as { readonly _tag: string }
        }
      })
    )
  ) as unknown as Schema.Codec<T, unknown>
}

export const UnknownKdfSchema = classSchema(UnknownKdf, "UnknownKdf", { algorithm: Schema.String })
export const ParameterOutOfRangeSchema = classSchema(ParameterOutOfRange, "ParameterOutOfRange", {
  algorithm: KdfAlgorithm,
  parameter: Schema.Literals(RANGED_PARAMETERS),
  value: Schema.Number,
  min: Schema.Number,
  max: Schema.Number
})
export const SaltTooShortSchema = classSchema(SaltTooShort, "SaltTooShort", {
  algorithm: KdfAlgorithm,
  bytes: Schema.Number,
  min: Schema.Number,
  floor: Schema.optional(Schema.Boolean)
})
export const MemoryOverCeilingSchema = classSchema(MemoryOverCeiling, "MemoryOverCeiling", {
  algorithm: KdfAlgorithm,
  bytes: Schema.Number,
  max: Schema.Number
})
export const InputTooLargeSchema = classSchema(InputTooLarge, "InputTooLarge", {
  algorithm: KdfAlgorithm,
  input: Schema.Literals(DERIVE_INPUTS),
  bytes: Schema.Number,
  max: Schema.Number
})
export const KdfFailedSchema = classSchema(KdfFailed, "KdfFailed", { algorithm: KdfAlgorithm, kernel: Schema.String })

export const DeriveErrorReasonSchema: Schema.Codec<DeriveErrorReason, unknown> = Schema.Union([
  UnknownKdfSchema,
  ParameterOutOfRangeSchema,
  SaltTooShortSchema,
  MemoryOverCeilingSchema,
  InputTooLargeSchema,
  KdfFailedSchema
]) as unknown as Schema.Codec<DeriveErrorReason, unknown>

/** `DeriveError` as it crosses between threads: `{ _tag: "DeriveError", reason }`. */
export const DeriveErrorSchema: Schema.Codec<DeriveError, unknown> = Schema.Struct({
  _tag: Schema.Literal("DeriveError"),
  reason: DeriveErrorReasonSchema
}).pipe(
  Schema.decodeTo(
    Schema.instanceOf(DeriveError),
    SchemaTransformation.transform({
      decode: ({ reason }: { readonly reason: DeriveErrorReason }) => new DeriveError({ reason }),
      encode: (error: DeriveError) => ({ _tag: "DeriveError" as const, reason: error.reason })
    })
  )
) as unknown as Schema.Codec<DeriveError, unknown>
