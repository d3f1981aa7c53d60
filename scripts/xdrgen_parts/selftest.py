"""scripts/xdrgen --self-test: the parts of the language no .x in xdr/ uses yet (NFS will), built
into a program with the Decode sources and run.

A sample .x with octal and hex constants, a union without a default arm, a bool discriminant with
TRUE/FALSE, optional data that is not a list, a fixed array of structs, a bounded array of
strings, a list node decoded on its own, a hand-written decoder (@decode), @hex, unsigned hyper
and a display format is generated next to the real modules; a small main decodes a few bodies and
the output must be EXPECTED. Enum values no enum defines: kept and flagged in a struct, an array
and a union with a default arm; a union with no arm for one ends the decoding there. Needs swiftc;
takes about half a minute."""
import glob
import os
import subprocess
import tempfile

from .generator import Catalogue, Generator
from .model import Module
from .syntax import ROOT

SAMPLE = r"""
const OCT = 010;                    /* octal: 8 */
const BIG = 0x10;
typedef opaque blob<BIG>;
enum color { RED = 1, GREEN = 2, BLUE = 4 };
struct point { int x; int y; };
struct node {
    unsigned int value;             /* @hex */
    node *next;
};
union shape switch (color c) {      /* no default: BLUE is malformed */
case RED:
    point center;
case GREEN:
    point corners[2];
};
union maybe switch (bool present) {
case TRUE:
    hyper value;
case FALSE:
    void;
};
typedef opaque special<>;           /* @decode(sampleSpecial) */
typedef string label<8>;
struct sample {
    shape s;
    maybe m;
    point *opt;
    label names<3>;
    node head;
    special sp;
    unsigned hyper big;
    blob b;
    int pad[OCT - 6];
};
union tint switch (color c) {       /* a default arm: any other value, defined or not */
case RED:
    int red;
default:
    unsigned int other;
};
struct palette {
    color first;                    /* a plain enum: an undefined value does not stop the struct */
    tint t;
    color many<4>;
    shape shapes<2>;                /* an undefined c stops here: the arm cannot be placed */
    int last;
};
/* @name(SAMPLE) @layer(nfs) */
program SAMPLE_PROG {
    version SAMPLE_VERS {
        /* @call "{s.c} x:{s.center.x} names:{#names} big:{big:x} {m.present?present}" */
        void SAMPLEPROC_DO(sample) = 1;
        /* @call "{first} {t.c}" */
        void SAMPLEPROC_PAINT(palette) = 2;
    } = 1;
} = 999999;
"""

MAIN = r"""
enum XDRCustom {
    /// The hand-written decoder @decode names: here, an opaque of at most 8 bytes.
    static func sampleSpecial(_ f: UInt16, _ r: inout XDRReader, _ t: inout Tape) throws(DecodeError) {
        try t.opaque(f, maximum: 8, &r)
    }
}

func be(_ words: [UInt32]) -> [UInt8] { words.flatMap { w in (0..<4).map { UInt8((w >> (24 - 8 * $0)) & 0xff) } } }

let good = be([1, 3, 4,               // shape RED, center (3, 4)
               1, 0xffff_ffff, 0xffff_fffb,  // maybe TRUE, value -5
               1, 1, 2,               // opt present: (1, 2)
               2, 1, 0x6100_0000, 2, 0x6263_0000,  // names ["a", "bc"]
               0xff, 1, 2, 0,         // head 0xff, then a list of one node (2)
               3, 0x0102_0300,        // special: 3 bytes
               0x8000_0000, 0,        // big: 2^63
               2, 0xabcd_0000,        // blob: 2 bytes
               7, 8])                 // pad[2]
let blue = be([4, 0, 0])
let three = be([3, 0, 0])             // 3 is no color
let tooMany = be([2, 1, 2, 3, 4, 0, 0, 4])
let palette = be([9,                  // first: no color
                  7, 5,               // tint: 7 is no color, the default arm
                  2, 1, 3,            // many: RED, 3
                  1, 1, 3, 4,         // shapes: RED (3, 4)
                  6])                 // last
let paletteCut = be([1, 1, 0xffff_fffe, 0, 1, 3, 3, 4, 6])  // a shape of color 3: its arm is unknown

func run(_ name: String, _ bytes: [UInt8], procedure: UInt32 = 1) {
    var tape = Tape()
    bytes.withUnsafeBytes { raw in
        var r = XDRReader(raw, range: ByteRange(offset: 0, count: raw.count), layer: .nfs)
        do throws(DecodeError) {
            _ = try SampleXDR.version_1(procedure, false, &r, &tape)
        } catch {
            tape.markIncomplete(error)
        }
        var words: [String] = []
        for e in tape.entries {
            let field = SampleXDR.fields[Int(e.field) - 1]  // the sample's ids start at 1
            switch e.kind {
            case .structBegin: words.append("\(field.name){")
            case .arrayBegin: words.append("\(field.name)[\(e.count)")
            case .end: words.append(tape[Int(e.value)].kind == .arrayBegin ? "]" : "}")
            case .absent: words.append("\(field.name)=null")
            case .opaque, .string: words.append("\(field.name)=\(raw[e.byteRange.offset..<e.byteRange.end].map { String($0, radix: 16) }.joined(separator: ":"))")
            case .int32, .int64, .enumeration: words.append("\(field.name)=\(e.signedValue)\(e.isUndefined ? "!" : "")")
            default: words.append("\(field.name)=\(e.value)")
            }
        }
        print(name, words.joined(separator: " "), tape.error.map { "error:\($0.code.name)@\($0.offset)" } ?? "ok",
              "undefined:\(tape.undefinedValues)")
    }
}
run("good", good)
run("blue", blue)
run("three", three)
run("tooMany", tooMany)
run("palette", palette, procedure: 2)
run("paletteCut", paletteCut, procedure: 2)
let items = SampleXDR.summary(1, 1, false)
print("summary", items.map { "\($0.style):\($0.prefix):\($0.path.count)" }.joined(separator: " "))
"""

EXPECTED = """\
good s{ c=1 center{ x=3 y=4 } } m{ present=1 value=-5 } opt{ x=1 y=2 } names[2 names=61 names=62:63 ] head{ value=255 next[1 next{ value=2 } ] } sp=1:2:3 big=9223372036854775808 b=ab:cd pad[2 pad=7 pad=8 ] ok undefined:0
blue s{ c=4 } error:undefined value@0 undefined:0
three s{ c=3! } error:undefined value@0 undefined:1
tooMany s{ c=2 corners[2 corners{ x=1 y=2 } corners{ x=3 y=4 } ] } m{ present=0 } opt=null error:length above its cap@28 undefined:0
palette first=9! t{ c=7! other=5 } many[2 many=1 many=3! ] shapes[1 shapes{ c=1 center{ x=3 y=4 } } ] last=6 ok undefined:3
paletteCut first=1 t{ c=1 red=-2 } many[0 ] shapes[1 shapes{ c=3! } ] error:undefined value@20 undefined:1
summary value::2 value:x::3 count:names::1 hex:big::1 ifTrue:present:2
"""


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        sample_path = os.path.join(tmp, "sample.x")
        with open(sample_path, "w") as f:
            f.write(SAMPLE)
        mod = Module(sample_path)
        gen = Generator(mod, Catalogue())
        gen.assign_fields()
        files = gen.files()
        generated = "".join(files.values())
        for needle in ("throw DecodeError(.badValue, layer: r.layer, offset: at)",   # union without default
                       "case true:  // TRUE", "case false:  // FALSE",
                       "try XDRCustom.sampleSpecial(", "try list_node(F.node_next", "for _ in 0..<2 {"):
            if needle not in generated:
                return [f"generated code lacks {needle!r}"]
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        with open(os.path.join(tmp, "main.swift"), "w") as f:
            f.write(MAIN)
        sources = [p for p in glob.glob(os.path.join(ROOT, "Sources", "Decode", "**", "*.swift"), recursive=True)]
        exe = os.path.join(tmp, "selftest")
        build = subprocess.run(["swiftc", "-module-name", "XDRSelfTest", "-Onone", "-o", exe,
                                os.path.join(tmp, "main.swift")] + sorted(sources)
                               + [os.path.join(tmp, n) for n in sorted(files)],
                               capture_output=True, text=True)
        if build.returncode != 0:
            return ["swiftc failed:\n" + build.stderr[-3000:]]
        out = subprocess.run([exe], capture_output=True, text=True).stdout
        if out != EXPECTED:
            return ["the sample decoded differently:\n--- expected\n" + EXPECTED + "--- got\n" + out]
    return []
