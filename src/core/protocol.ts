/**
 * What the plugin's two faces (the server part and the TUI part) say to each other through
 * OpenCode. Both read these names; neither parses words meant for a model or a person.
 */

/** The package's name: how OpenCode's configuration lists it. */
export const PACKAGE_NAME = "opencode-sessions"

/**
 * The command the TUI part announces (as a `tui.command.execute` event) once it has registered
 * in OpenCode's TUI: the server part hears it and knows the TUI part loaded. The TUI part also
 * registers a command of this name that does nothing, since the TUI runs the command it hears.
 */
export const TUI_PART_REGISTERED = `${PACKAGE_NAME}.tui-registered`
