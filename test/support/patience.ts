/**
 * How long a test waits for a state before it fails. Generous on purpose: on a 2-core machine
 * shared with other work a workflow task, an activity, a process start or a visibility update can
 * take seconds, and a wait that polls for its state costs nothing when the state comes early.
 */
export const PATIENCE_MS = 60_000;
