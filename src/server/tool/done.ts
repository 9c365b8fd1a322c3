import type { CallRecord } from "../../core/protocol.js"

/** What a mode did: the words the model reads, and the record its call leaves for the plugin (tool/records.ts). */
export type Done = { text: string; record?: CallRecord }
