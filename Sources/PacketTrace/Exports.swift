// The library's users name the decoded layers (Decode) and the pipeline's records, limits and
// counters (Track) through `import PacketTrace` alone, as the seed's users import one module.
@_exported import Decode
@_exported import Track
@_exported import Match
