/**
 * Typed signals, as OpenCode's own bus has them: a signal is a name and the schema of what it
 * carries; it is published once and heard by every subscriber of that name, in the order they
 * subscribed. A subscriber that throws does not keep the others from hearing it.
 */
import type { z as Zod } from "zod"
import type { Infer } from "./schema.js"

export type Signal<Name extends string = string, Schema extends Zod.ZodType = Zod.ZodType> = { name: Name; schema: Schema }

export function signal<Name extends string, Schema extends Zod.ZodType>(name: Name, schema: Schema): Signal<Name, Schema> {
  return { name, schema }
}

export type Payload<S extends Signal> = Infer<S["schema"]>

type Listener = (payload: unknown) => void

export class Bus {
  private readonly listeners = new Map<string, Listener[]>()

  /** `failed`: hears a subscriber's error (the bus goes on with the next one). */
  constructor(private readonly failed: (signal: string, error: unknown) => void) {}

  /** Each subscriber receives the payload parsed by the signal's schema. */
  on<Name extends string, Schema extends Zod.ZodType>(signal: Signal<Name, Schema>, listener: (payload: Infer<Schema>) => void): () => void {
    const checked: Listener = (payload) => listener(signal.schema.parse(payload))
    this.listeners.set(signal.name, [...(this.listeners.get(signal.name) ?? []), checked])
    return () =>
      this.listeners.set(
        signal.name,
        (this.listeners.get(signal.name) ?? []).filter((other) => other !== checked),
      )
  }

  publish<S extends Signal>(signal: S, payload: Payload<S>): void {
    for (const listener of this.listeners.get(signal.name) ?? []) {
      try {
        listener(payload)
      } catch (error) {
        this.failed(signal.name, error)
      }
    }
  }
}
