import { instantiateKernel, kernelModule, type KernelModule, type WasmMemory } from '../../common/wasm-kernel.ts';

/**
 * The ALS WebAssembly kernel (native/als/kernel.ts, built to native/build/als.wasm by
 * `node native/build-als.mjs`), loaded by common/wasm-kernel.ts. The module imports one shared memory so
 * that worker threads run the same code on the same factor matrices.
 */

export { f32View, i32View, MemoryPlan, type WasmMemory } from '../../common/wasm-kernel.ts';
export type AlsWasmModule = KernelModule;

/** The kernel's exports; pointers are byte offsets into the shared memory. */
export interface AlsKernel {
  /** scratch: solveScratchBytes(k, most entries of a row) bytes; withLoss 1: returns the observed-entry loss terms of the updated rows */
  solveRows(
    x: number,
    y: number,
    g: number,
    indptr: number,
    indices: number,
    cm1: number,
    r0: number,
    r1: number,
    k: number,
    reg: number,
    cgSteps: number,
    scratch: number,
    withLoss: number,
  ): number;
  gram(a: number, r0: number, r1: number, k: number, out: number): void;
  scoreUsers(users: number, nUsers: number, panels: number, nPanels: number, k: number, out: number, outStride: number): void;
  heapBase(): number;
}

/** The compiled ALS kernel module. */
export function alsKernelModule(): KernelModule {
  return kernelModule('als');
}

export function instantiateAlsKernel(module: KernelModule, memory: WasmMemory): AlsKernel {
  return instantiateKernel<AlsKernel>(module, memory, 'ALS');
}

/** Bytes of solveRows scratch for k (padded) factors and rows of up to maxDegree entries. */
export function solveScratchBytes(k: number, maxDegree: number): number {
  return 128 + 2 * (3 * k + 2 * (maxDegree + 4)) * 4;
}

/** Factors are padded with zero columns to a multiple of 16 so that every kernel loop runs over whole SIMD blocks. */
export function paddedFactors(factors: number): number {
  return Math.ceil(factors / 16) * 16;
}
