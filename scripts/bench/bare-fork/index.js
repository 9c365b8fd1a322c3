// The benchmark's floors, loaded by path beside the plugin, by the bench only: tools with none of
// what the session tool adds (checks, permission, lineage, limits, titles, toasts).
// - bare_fork (figure 4): forks the calling conversation and prompts the fork; the session
//   tool's fan-out is measured against the same forks made by it, in the same kind of turn.
// - bare_prompt (figure 13): sends a message to a session; a follow-up's floor from a turn.
import { tool } from "@opencode-ai/plugin"

export default async function bareFork({ client }) {
  return {
    tool: {
      bare_fork: tool({
        description: "Fork this conversation and give the fork a message. For the benchmark.",
        args: { agent: tool.schema.string(), text: tool.schema.string() },
        async execute(args, context) {
          const forked = await client.session.fork({ path: { id: context.sessionID }, body: { messageID: context.messageID } })
          if (!forked.data) throw new Error(`fork failed: ${JSON.stringify(forked.error)}`)
          const sent = await client.session.promptAsync({
            path: { id: forked.data.id },
            body: { agent: args.agent, parts: [{ type: "text", text: args.text }] },
          })
          if (sent.error) throw new Error(`prompt failed: ${JSON.stringify(sent.error)}`)
          return `Forked session ${forked.data.id}.`
        },
      }),
      bare_prompt: tool({
        description: "Send a session a message. For the benchmark.",
        args: { session: tool.schema.string(), agent: tool.schema.string(), text: tool.schema.string() },
        async execute(args) {
          const sent = await client.session.promptAsync({
            path: { id: args.session },
            body: { agent: args.agent, parts: [{ type: "text", text: args.text }] },
          })
          if (sent.error) throw new Error(`prompt failed: ${JSON.stringify(sent.error)}`)
          return `Sent to ${args.session}.`
        },
      }),
    },
  }
}
