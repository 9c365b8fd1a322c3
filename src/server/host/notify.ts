import type { Opencode, ToastVariant } from "./opencode.js"
import { describeError } from "./errors.js"

/**
 * Tells the person what the plugin did or could not do. Warnings and failures: a toast in the
 * TUI and an entry in OpenCode's log, always. Informational news (a hand-off, a spawn): a
 * toast only, which the `toasts` option switches off — it is not worth a log write per call.
 * Reporting never throws: if the server cannot take the toast or the log entry, the problem
 * goes to stderr, which OpenCode keeps in its own log.
 */
export class Notifier {
  constructor(
    private readonly opencode: Opencode,
    private readonly infoToasts: boolean,
  ) {}

  info(message: string): void {
    if (this.infoToasts) this.send("info", message)
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.send("warning", message)
    this.write("warn", message, extra)
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.send("error", message)
    this.write("error", message, extra)
  }

  /** For whoever reads OpenCode's log (a fallback in use, state released): no toast. */
  debug(message: string, extra?: Record<string, unknown>): void {
    this.write("debug", message, extra)
  }

  private send(variant: ToastVariant, message: string): void {
    this.opencode.toast(message, variant).catch((error: unknown) => {
      console.error(`opencode-sessions: could not show toast "${message}": ${describeError(error)}`)
    })
  }

  private write(level: "debug" | "warn" | "error", message: string, extra?: Record<string, unknown>): void {
    this.opencode.log(level, message, extra).catch((error: unknown) => {
      console.error(`opencode-sessions: could not log "${message}": ${describeError(error)}`)
    })
  }
}
