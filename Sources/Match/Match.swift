// The match expression language (DESIGN.md "Match expressions"): lexer, parser, checks against
// the field catalogue and compiled predicates. It is filled by the issue that brings `pktt match`;
// until then the target only fixes its place in the package layout.
import Decode

/// The layer names a match expression may start with, case-insensitively (the seed's names).
public enum MatchLayers {
    public static let names = ["ETHERNET", "VLAN", "SLL", "IP", "TCP", "UDP", "RPC", "NFS",
                               "MOUNT", "PORTMAP", "NLM", "NSM"]
}
