// The TUI's elements are OpenTUI's, rendered by the Solid runtime OpenCode provides at run time
// (it compiles a plugin's .jsx itself); only what this plugin uses is declared here.
declare namespace JSX {
  // A global declaration: an import statement would make this file a module and hide it.
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  type Element = import("solid-js").JSX.Element
  interface IntrinsicElements {
    box: Record<string, unknown>
    text: Record<string, unknown>
    span: Record<string, unknown>
    b: Record<string, unknown>
  }
  interface ElementChildrenAttribute {
    children: unknown
  }
}
