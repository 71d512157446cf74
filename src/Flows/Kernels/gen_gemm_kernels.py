"""Emits the register-tiled micro-kernels, one fully unrolled method per tile shape.

python3 gen_gemm_kernels.py 12 > Gemm.MicroKernels.g.cs        (packed GEMM tiles, MR = 12)
python3 gen_gemm_kernels.py 12 conv > Conv2d.MicroKernels.g.cs (shifted-window tiles and lane-wise dot tiles)
"""
import sys

def kernel(isa, rows, vecs, mr, nr, window=False):
    V = "Vector512" if isa == 512 else "Vector256"
    lanes = 16 if isa == 512 else 8
    fma = "Avx512F.FusedMultiplyAdd" if isa == 512 else "Fma.MultiplyAdd"
    name = f"{'Avx512' if isa == 512 else 'Avx2'}{'Window' if window else ''}Tile{rows}x{vecs*lanes}"
    L = []
    L.append(f"    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    if window:
        L.append(f"    private static unsafe void {name}(int kc, float* a, float* x, int* offsets, float* c, int ldc, bool overwrite)")
    else:
        L.append(f"    private static unsafe void {name}(int kc, float* a, float* b, float* c, int ldc, bool overwrite)")
    L.append("    {")
    accs = ", ".join(f"c{i}{j} = default" for i in range(rows) for j in range(vecs))
    L.append(f"        {V}<float> {accs};")
    L.append("        for (int p = 0; p < kc; p++)")
    L.append("        {")
    if window:
        L.append("            float* b = x + offsets[p];")
    for j in range(vecs):
        L.append(f"            var b{j} = {V}.Load(b{'' if j == 0 else f' + {j * lanes}'});")
    for i in range(rows):
        L.append(f"            var a{i} = {V}.Create(a[{i}]);")
        for j in range(vecs):
            L.append(f"            c{i}{j} = {fma}(a{i}, b{j}, c{i}{j});")
    L.append(f"            a += {mr};")
    if not window:
        L.append(f"            b += {nr};")
    L.append("        }")
    L.append("")
    L.append("        if (overwrite)")
    L.append("        {")
    for i in range(rows):
        for j in range(vecs):
            off = f"({i} * ldc)" + (f" + {j * lanes}" if j else "")
            L.append(f"            c{i}{j}.Store(c + {off});")
    L.append("            return;")
    L.append("        }")
    L.append("")
    for i in range(rows):
        for j in range(vecs):
            off = f"({i} * ldc)" + (f" + {j * lanes}" if j else "")
            L.append(f"        ({V}.Load(c + {off}) + c{i}{j}).Store(c + {off});")
    L.append("    }")
    return name, "\n".join(L)

def family(isa, mr, nr):
    lanes = 16 if isa == 512 else 8
    vmax = nr // lanes
    names = {}
    bodies = []
    for rows in range(1, mr + 1):
        for vecs in range(1, vmax + 1):
            n, body = kernel(isa, rows, vecs, mr, nr)
            names[(rows, vecs)] = n
            bodies.append(body)
    prefix = 'Avx512' if isa == 512 else 'Avx2'
    D = []
    D.append(f"    /// <summary>C[rows×width] (+)= A-sliver·B-sliver with {prefix} kernels; width is {lanes} or {nr} columns.</summary>")
    D.append(f"    private static unsafe void {prefix}Tile(int rows, int width, int kc, float* a, float* b, float* c, int ldc, bool overwrite)")
    D.append("    {")
    D.append(f"        bool wide = width > {lanes};")
    D.append("        switch (rows)")
    D.append("        {")
    for rows in range(1, mr + 1):
        D.append(f"            case {rows}:")
        D.append("                if (wide)")
        D.append("                {")
        D.append(f"                    {names[(rows, 2)]}(kc, a, b, c, ldc, overwrite);")
        D.append("                }")
        D.append("                else")
        D.append("                {")
        D.append(f"                    {names[(rows, 1)]}(kc, a, b, c, ldc, overwrite);")
        D.append("                }")
        D.append("")
        D.append("                break;")
    D.append("            default:")
    D.append("                throw new ArgumentOutOfRangeException(nameof(rows));")
    D.append("        }")
    D.append("    }")
    return "\n".join(D) + "\n\n" + "\n\n".join(bodies)

def window_family(mr):
    names = {}
    bodies = []
    for rows in range(1, mr + 1):
        for vecs in (1, 2):
            n, body = kernel(512, rows, vecs, mr, 32, window=True)
            names[(rows, vecs)] = n
            bodies.append(body)
    D = []
    D.append("    /// <summary>C[rows×width] (+)= A-sliver·B where B row p is the 16 or 32 floats at x + offsets[p] (a shifted window of a padded plane).</summary>")
    D.append("    private static unsafe void Avx512WindowTile(int rows, int width, int kc, float* a, float* x, int* offsets, float* c, int ldc, bool overwrite)")
    D.append("    {")
    D.append("        bool wide = width > 16;")
    D.append("        switch (rows)")
    D.append("        {")
    for rows in range(1, mr + 1):
        D.append(f"            case {rows}:")
        D.append("                if (wide)")
        D.append("                {")
        D.append(f"                    {names[(rows, 2)]}(kc, a, x, offsets, c, ldc, overwrite);")
        D.append("                }")
        D.append("                else")
        D.append("                {")
        D.append(f"                    {names[(rows, 1)]}(kc, a, x, offsets, c, ldc, overwrite);")
        D.append("                }")
        D.append("")
        D.append("                break;")
    D.append("            default:")
    D.append("                throw new ArgumentOutOfRangeException(nameof(rows));")
    D.append("        }")
    D.append("    }")
    return "\n".join(D) + "\n\n" + "\n\n".join(bodies)

WIDE_VECTORS = {1: 8, 2: 8, 3: 8, 4: 6, 5: 4, 6: 4}

def wide_window_family(mr):
    bodies = []
    D = []
    D.append("    /// <summary>Most vectors of 16 columns a wide window tile may have for a sliver of <paramref name=\"rows\"/> ≤ 6 rows (about 24 accumulators), or 0.</summary>")
    D.append("    private static int WideWindowVectors(int rows) => rows switch")
    D.append("    {")
    for rows, v in WIDE_VECTORS.items():
        D.append(f"        {rows} => {v},")
    D.append("        _ => 0,")
    D.append("    };")
    D.append("")
    D.append("    /// <summary>")
    D.append("    /// Window tiles for few output channels, 3 or more vectors wide, so each B load still feeds enough FMAs;")
    D.append("    /// the width adapts to what is left of the span.")
    D.append("    /// </summary>")
    D.append("    private static unsafe void Avx512WideWindowTile(int rows, int vectors, int kc, float* a, float* x, int* offsets, float* c, int ldc, bool overwrite)")
    D.append("    {")
    D.append("        switch ((rows * 16) + vectors)")
    D.append("        {")
    for rows, vmax in WIDE_VECTORS.items():
        for v in range(3, vmax + 1):
            n, body = kernel(512, rows, v, mr, 32, window=True)
            bodies.append(body)
            D.append(f"            case {rows * 16 + v}:")
            D.append(f"                {n}(kc, a, x, offsets, c, ldc, overwrite);")
            D.append("                break;")
    D.append("            default:")
    D.append("                throw new ArgumentOutOfRangeException(nameof(rows));")
    D.append("        }")
    D.append("    }")
    return "\n".join(D) + "\n\n" + "\n\n".join(bodies)

def dot_kernel(ri, rj):
    L = []
    L.append(f"    /// <summary>")
    L.append(f"    /// {ri}×{rj} dot products accumulated lane-wise: acc[i·{rj} + j] += a_i[t]·b_j[t] over t in vectors of 16, for")
    L.append(f"    /// <c>images</c> images (row pointers advance by the image strides). Lanes are summed later in a fixed order.")
    L.append(f"    /// </summary>")
    L.append(f"    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    L.append(f"    private static unsafe void Avx512DotTile{ri}x{rj}(int images, int vectors, long aStride, long bStride, float** a, float** b, Vector512<float>* acc)")
    L.append("    {")
    for i in range(ri):
        for j in range(rj):
            L.append(f"        var s{i}{j} = acc[{i * rj + j}];")
    for i in range(ri):
        L.append(f"        float* a{i} = a[{i}];")
    for j in range(rj):
        L.append(f"        float* b{j} = b[{j}];")
    L.append("        for (int n = 0; n < images; n++)")
    L.append("        {")
    L.append("            for (int v = 0; v < vectors; v++)")
    L.append("            {")
    L.append("                int t = v * 16;")
    for i in range(ri):
        L.append(f"                var x{i} = Vector512.Load(a{i} + t);")
    for j in range(rj):
        L.append(f"                var y{j} = Vector512.Load(b{j} + t);")
        for i in range(ri):
            L.append(f"                s{i}{j} = Avx512F.FusedMultiplyAdd(x{i}, y{j}, s{i}{j});")
    L.append("            }")
    L.append("")
    for i in range(ri):
        L.append(f"            a{i} += aStride;")
    for j in range(rj):
        L.append(f"            b{j} += bStride;")
    L.append("        }")
    L.append("")
    for i in range(ri):
        for j in range(rj):
            L.append(f"        acc[{i * rj + j}] = s{i}{j};")
    L.append("    }")
    return "\n".join(L)

if len(sys.argv) > 2 and sys.argv[2] == "conv":
    mr = int(sys.argv[1])
    out = []
    out.append("// <auto-generated>")
    out.append("// Generated by gen_gemm_kernels.py (same folder) with the 'conv' argument. Edit the generator, not this file.")
    out.append("// </auto-generated>")
    out.append("using System.Runtime.CompilerServices;")
    out.append("using System.Runtime.Intrinsics;")
    out.append("using System.Runtime.Intrinsics.X86;")
    out.append("")
    out.append("namespace Flows.Kernels;")
    out.append("")
    out.append("public static partial class Conv2d")
    out.append("{")
    out.append("    private const int DotRows = 4;")
    out.append("    private const int DotCols = 6;")
    out.append("")
    out.append(window_family(mr))
    out.append("")
    out.append(wide_window_family(mr))
    out.append("")
    out.append(dot_kernel(4, 6))
    out.append("}")
    print("\n".join(out))
    sys.exit(0)

mr512 = int(sys.argv[1])
out = []
out.append("// <auto-generated>")
out.append("// Generated by gen_gemm_kernels.py (same folder): one fully unrolled register-tiled kernel per tile shape.")
out.append("// Edit the generator, not this file.")
out.append("// </auto-generated>")
out.append("using System.Runtime.CompilerServices;")
out.append("using System.Runtime.Intrinsics;")
out.append("using System.Runtime.Intrinsics.X86;")
out.append("")
out.append("namespace Flows.Kernels;")
out.append("")
out.append("public static partial class Gemm")
out.append("{")
out.append(f"    internal const int Avx512MR = {mr512};")
out.append("    internal const int Avx512NR = 32;")
out.append("    private const int Avx2MR = 6;")
out.append("    private const int Avx2NR = 16;")
out.append("")
out.append(family(512, mr512, 32))
out.append("")
out.append(family(256, 6, 16))
out.append("}")
print("\n".join(out))
