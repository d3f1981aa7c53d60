// The daemon (DESIGN.md "The daemon"): configuration, rules, the Dispatch pipeline, events,
// sinks, checkpoints. It is filled by the issue that brings `pktt run`; until then the target
// only fixes its place in the package layout.
import PacketTrace
