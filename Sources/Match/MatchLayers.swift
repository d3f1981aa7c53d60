// The match expression language (DESIGN.md "Match expressions"): `MatchParser` reads the text
// into `MatchSyntax`, `MatchCompiler` resolves names against the catalogues and builds
// predicates, `MatchExpression` judges packets with them.

/// The layer names a match expression may start with, case-insensitively (the seed's names;
/// `RECORD` and `NULL` too, as JSON writes them).
public enum MatchLayers {
    public static let names = ["ETHERNET", "VLAN", "SLL", "IP", "TCP", "UDP", "RPC", "NFS",
                               "MOUNT", "PORTMAP", "NLM", "NSM"]
}
