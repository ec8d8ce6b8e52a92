/**
 * `npm run bench -- gemm`: GFLOP/s of the naive, blocked and openblas GEMM backends side by side
 * on the products an MLP 128→128→16 makes at batch 1024 (forward, output layer, weight gradient)
 * and at batch 1, with ratios; then the small products that set the openblas backend's cut-off to
 * the blocked kernel (addon call vs blocked, in µs). `--quick` times each for less long.
 */
import { Rng } from "../src/core/prng.js";
import { blockedGemm } from "../src/model/gemm/blocked.js";
import { naiveGemm } from "../src/model/gemm/naive.js";
import { loadOpenBlas, OPENBLAS_SMALL_PRODUCT } from "../src/model/gemm/openblas.js";
import type { Gemm } from "../src/model/gemm.js";
import { type BenchSuite, type Figure, table, timeIt } from "./suite.js";

/** A product to time: C (m×n) = op(A) · op(B), with the name its figures carry. */
interface Shape {
  readonly id: string;
  readonly what: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    id: "fwd_1024x128x128",
    what: "hidden layer, batch 1024",
    m: 1024,
    n: 128,
    k: 128,
    transA: false,
    transB: false,
  },
  {
    id: "out_1024x16x128",
    what: "output layer x·Wᵀ, batch 1024",
    m: 1024,
    n: 16,
    k: 128,
    transA: false,
    transB: true,
  },
  {
    id: "wgrad_128x128x1024",
    what: "weight gradient Xᵀ·dY",
    m: 128,
    n: 128,
    k: 1024,
    transA: true,
    transB: false,
  },
  {
    id: "batch1_1x128x128",
    what: "hidden layer, batch 1",
    m: 1,
    n: 128,
    k: 128,
    transA: false,
    transB: false,
  },
  {
    id: "batch1_1x16x128",
    what: "output layer, batch 1",
    m: 1,
    n: 16,
    k: 128,
    transA: false,
    transB: true,
  },
];

/** Small products on both sides of OPENBLAS_SMALL_PRODUCT (multiply-adds m·n·k). */
const SMALL: readonly Shape[] = [
  [4, 4, 4],
  [4, 4, 8],
  [1, 8, 16],
  [4, 4, 16],
  [1, 16, 16],
  [8, 8, 8],
  [16, 16, 16],
  [1, 16, 128],
].map(([m, n, k]) => ({ id: `${m}x${n}x${k}`, what: "", m, n, k, transA: false, transB: false }));

/** Seconds per product of `gemm` on `shape`, with fresh random operands. */
function timeProduct(gemm: Gemm, shape: Shape, minMs: number): number {
  const { m, n, k, transA, transB } = shape;
  const rng = Rng.fromSeed(`bench-gemm-${shape.id}`);
  const a = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
  const c = new Float32Array(m * n);
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  return timeIt((iterations) => {
    for (let r = 0; r < iterations; r++) {
      gemm.sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n);
    }
  }, minMs);
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-");

/** The `gemm` suite. */
export const gemmSuite: BenchSuite = {
  name: "gemm",
  summary: "GFLOP/s of the naive, blocked and openblas GEMM backends on MLP-sized products",
  async run({ log, args }) {
    const minMs = args.includes("--quick") ? 100 : 300;
    const blas = loadOpenBlas();
    log(
      blas.ok
        ? `# openblas: ${blas.config}, ${blas.threads} thread`
        : `# openblas unavailable: ${blas.reason}`,
    );
    const backends: Gemm[] = [naiveGemm, blockedGemm, ...(blas.ok ? [blas.gemm] : [])];
    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const shape of SHAPES) {
      const flops = 2 * shape.m * shape.n * shape.k;
      const gflops = new Map<string, number>();
      for (const gemm of backends) {
        const value = flops / timeProduct(gemm, shape, minMs) / 1e9;
        gflops.set(gemm.name, value);
        figures.push({ name: `gemm.${shape.id}.${gemm.name}`, value, unit: "GFLOP/s" });
      }
      const naive = gflops.get("naive") ?? Number.NaN;
      const blocked = gflops.get("blocked") ?? Number.NaN;
      const openblas = gflops.get("openblas") ?? Number.NaN;
      figures.push({
        name: `gemm.${shape.id}.blocked_over_naive`,
        value: blocked / naive,
        unit: "x",
      });
      if (blas.ok) {
        figures.push({
          name: `gemm.${shape.id}.openblas_over_blocked`,
          value: openblas / blocked,
          unit: "x",
        });
      }
      const flags = `${shape.transA ? "T" : "N"}${shape.transB ? "T" : "N"}`;
      rows.push([
        `${shape.m}×${shape.n}×${shape.k} ${flags}`,
        shape.what,
        fmt(naive),
        fmt(blocked),
        fmt(openblas),
        fmt(blocked / naive, 1),
        fmt(openblas / blocked, 1),
        fmt(flops / (blas.ok ? openblas : blocked) / 1e3, 2),
      ]);
    }
    log(
      table(
        [
          "m×n×k",
          "product",
          "naive GF/s",
          "blocked GF/s",
          "openblas GF/s",
          "blocked/naive",
          "openblas/blocked",
          "µs (auto)",
        ],
        rows,
      ),
    );
    if (!blas.ok) return figures;

    log(
      `\n# openblas cut-off: products under ${OPENBLAS_SMALL_PRODUCT} multiply-adds run on blocked`,
    );
    const smallRows: string[][] = [];
    for (const shape of SMALL) {
      const blockedUs = timeProduct(blockedGemm, shape, minMs) * 1e6;
      const addonUs = timeProduct(blas.unrouted, shape, minMs) * 1e6;
      figures.push({ name: `gemm.small_${shape.id}.blocked`, value: blockedUs, unit: "µs" });
      figures.push({ name: `gemm.small_${shape.id}.addon`, value: addonUs, unit: "µs" });
      const mnk = shape.m * shape.n * shape.k;
      smallRows.push([
        shape.id,
        String(mnk),
        fmt(blockedUs, 3),
        fmt(addonUs, 3),
        mnk < OPENBLAS_SMALL_PRODUCT ? "blocked" : "addon",
      ]);
    }
    log(table(["m×n×k", "m·n·k", "blocked µs", "addon µs", "openblas routes to"], smallRows));
    return figures;
  },
};
